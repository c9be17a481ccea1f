"""`python -m gateway_min serve [--host 127.0.0.1] [--port 8402] [--db PATH] [--demo] [--workers N] ...`"""

import sys

from gateway_min.cli import main

sys.exit(main())
