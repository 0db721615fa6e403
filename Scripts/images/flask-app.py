"""Augur's Flask image: serve the embedded content at the instance's own address and port,
with /ready as the tiny object the operator's readiness probe fetches."""
import os

from flask import Flask, abort, send_file

ROOT = "/srv"
app = Flask(__name__)


@app.get("/ready")
def ready():
    return "ready\n"


@app.get("/<name>")
def content(name):
    path = os.path.join(ROOT, name)
    if "/" in name or name.startswith(".") or not os.path.isfile(path):
        abort(404)
    return send_file(path, mimetype="application/octet-stream")


if __name__ == "__main__":
    app.run(host=os.environ["AUGUR_ADDRESS"], port=int(os.environ.get("AUGUR_PORT", "8080")), threaded=True)
