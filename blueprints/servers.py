from flask import Blueprint

bp = Blueprint("servers", __name__)
