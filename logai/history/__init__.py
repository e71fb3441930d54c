"""Past sessions: each chat's or query's transcript, kept under LOGAI_HOME/sessions.

`transcript.py` writes one (an event-bus subscriber, redacted), `store.py`
lists and reads them and applies the retention, `markdown.py` renders one.
"""
