"""The paid call, one flow (call.py, stream.py) into which a kind of work and a way to pay plug (plugs.py)."""
