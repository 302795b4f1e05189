"""The Slack front end: Bolt listeners, Block Kit renderers, the HTTP edge, the transport."""
