"""Agent and workflow runtimes behind `/agent/*` and `/workflow/execute`: a kind of paid work of their own
(work.py), metered from the runtime's usage (meter.py), sent over HTTP or to the demo runtime (upstream.py)."""
