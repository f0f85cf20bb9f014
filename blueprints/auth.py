"""Owner sign-up (first run only), log in, log out, change password."""
import re

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from extensions import db, limiter
from ledger import accounts
from models.base import fold

bp = Blueprint("auth", __name__)

LOGIN_LIMIT = "10 per minute; 50 per hour"


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email()])
    password = PasswordField("Password", validators=[DataRequired()])


class SignupForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField("Repeat password", validators=[EqualTo("password", "Passwords differ")])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=[
        DataRequired(), Length(min=accounts.MIN_PASSWORD, max=200)])
    confirm = PasswordField("Repeat the new password",
                            validators=[EqualTo("password", "Passwords differ")])


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the owner account; only possible while no user exists."""
    if accounts.has_users():
        return redirect(url_for("auth.login"))
    form = SignupForm()
    if form.validate_on_submit():
        if not accounts.claim_first_run():  # another visitor signed up meanwhile
            db.session.rollback()
            return redirect(url_for("auth.login"))
        user = accounts.create_user(form.email.data, form.password.data)
        db.session.commit()
        _start_session(user)
        flash("Welcome to Tally. Create your first Network to begin.", "success")
        return redirect(url_for("networks.index"))
    return render_template("auth/setup.html", form=form)


def _account_key() -> str:
    """Login attempts per account, whatever address they come from."""
    return "login-account:" + fold(request.form.get("email", ""))[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_account_key)
def login():
    if not accounts.has_users():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("networks.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user:
            _start_session(user)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("Email or password is wrong.")
    return render_template("auth/login.html", form=form), 200 if not form.errors else 401


@bp.post("/logout")
def logout():
    """Ends every session of this user, not only this browser's."""
    accounts.end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            accounts.change_password(current_user, form.password.data)
            db.session.commit()
            _start_session(current_user)  # this browser stays signed in; others are signed out
            flash("Password changed. Every other session was signed out.", "success")
            return redirect(url_for("networks.index"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


def _start_session(user) -> None:
    """Sign ``user`` in with a session that ends after the configured idle time."""
    session.clear()
    session.permanent = True  # expires PERMANENT_SESSION_LIFETIME after the last request
    login_user(user)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site, or the home page.

    Control characters are removed first (browsers drop tabs and newlines inside URLs, so
    "/\\t/evil.com" means "//evil.com"); then only a plain path is allowed: no scheme, no
    host, not starting with "//" or "/\\" (browsers read both as another host).
    """
    path = _CONTROL.sub("", target or "")
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return url_for("web.index")
    return path
