from flask import Blueprint

bp = Blueprint("revenue", __name__)
