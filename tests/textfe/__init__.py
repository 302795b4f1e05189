"""A second, minimal front end that speaks plain text: the proof that the core (bot/, models/)
is neutral. It lives in the tests only and imports nothing from handlers/, slack_sdk or
slack_bolt (tests/textfe/test_imports.py checks both the source and a real run).

frontend.py parses a line, resolves the actor once, calls the core and words the answer;
transport.py delivers the outbox into plain-text conversations; render.py draws each message
kind from the core's data. Where the core still leans on Slack's shapes, the gaps are listed
(file, function, what) in comments at the top of the two story tests and of test_imports.py.
"""
