"""The defaults of apply's poll schedule, in one home: the schedule itself, apply's options,
the apply command and the CLI's help read them (the CLI at import, so this module imports nothing).

Against Datalab the first wait is a second, growing to fifteen while nothing changes. The
in-process service wakes apply the moment a run ends (Backend.run_ended), so its polls only
refresh the progress line: twice a second is enough, and each poll costs CPU that the parser
processes would rather have.
"""

from __future__ import annotations

POLL_FIRST_WAIT = 1.0  # seconds before the first poll round
POLL_CEILING = 15.0  # the most a wait between rounds grows to
LOCAL_POLL_FIRST_WAIT = 0.5
LOCAL_POLL_CEILING = 2.0
