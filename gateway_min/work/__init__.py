"""Kinds of paid work on the model routes: how a request is read and quoted (request.py, quote.py), how it is
called and how its answer or stream is measured (model.py, chat_stream.py, metered.py, usage_shapes.py)."""
