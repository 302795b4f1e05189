"""The complaint service in Teams: the supplier's side (raising a complaint, their messages,
their replies, Home). Each module lists its routes and renderers; handlers/teams/app.py
collects them."""
