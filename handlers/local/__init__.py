"""`msbot local`: the whole bot on one machine, in a Slack-like workspace in the browser.

One fake Slack (fake_slack.SlackStub: the Web API, recording every call, enforcing Slack's rules)
serves both the tests and the local workspace; slack_client.FakeSlack sends msbot requests signed
exactly as Slack signs them.
"""
