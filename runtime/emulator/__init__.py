"""An offline stand-in for Graph's calls API: test a calling bot without Teams.

`Emulator` serves the calls API (beta and v1.0 URL shapes) on a loopback port, checks every
request with the one checker, answers as Graph documents, and posts each call's notifications
to the bot's `callbackUri`, signed with its own keys (JWKS and OpenID configuration served too).
`Faults` chooses what goes wrong in a run. `runtime.emulator.scenarios` holds the scenarios.
"""

from .server import DEFAULT_APP_ID, DEFAULT_TENANT, Delivery, Emulator, Exchange, Faults

__all__ = ["DEFAULT_APP_ID", "DEFAULT_TENANT", "Delivery", "Emulator", "Exchange", "Faults"]
