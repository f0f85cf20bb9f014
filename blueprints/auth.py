"""Owner sign-up (first run only), log in, log out."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from extensions import db, limiter
from ledger import accounts
from models import User

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])


class SignupForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", "Passwords differ")])


def _no_users() -> bool:
    return db.session.scalar(select(func.count(User.id))) == 0


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the owner account; only possible while no user exists."""
    if not _no_users():
        return redirect(url_for("auth.login"))
    form = SignupForm()
    if form.validate_on_submit():
        user = accounts.create_user(form.email.data, form.password.data)
        db.session.commit()
        login_user(user)
        flash("Welcome to Tally. Create your first Network to begin.", "success")
        return redirect(url_for("networks.index"))
    return render_template("auth/setup.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():
    if _no_users():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("networks.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Email or password is wrong.")
    return render_template("auth/login.html", form=form), 200 if not form.errors else 401


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so ?next= cannot send a user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("networks.index")
