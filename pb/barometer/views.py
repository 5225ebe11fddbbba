from flask import Blueprint

bp = Blueprint("barometer", __name__)
