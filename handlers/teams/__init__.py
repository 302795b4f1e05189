"""The Microsoft Teams front end (issue 16): its own process, `msbot serve-teams`."""

import warnings

# The SDK warns at import time that a feature msbot does not use (HTML widgets) is in preview;
# left alone it would print on every `msbot serve-teams` start.
warnings.filterwarnings("ignore", message="HtmlWidgetSecurityPolicy is in preview")
