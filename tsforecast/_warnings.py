"""One way to warn the user: at the first caller outside tsforecast, however deep in the package
the warning is raised. Imports the standard library only.
"""

from __future__ import annotations

import os
import sys
import warnings

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def number(value: float) -> str:
    """``value`` as a person wrote it: 12 significant digits, so that the float artefacts of
    arithmetic (``0.9990000000000001`` for ``2 * 0.9995 - 1``) read ``0.999``; also makes two
    messages about the same number one message (warnings shows each text once)."""
    return repr(float(f"{float(value):.12g}"))


def percent(value: float) -> str:
    """``value`` (a share) as a percentage with no float artefacts: 0.999 -> "99.9%"."""
    return f"{float(f'{100 * float(value):.10g}'):g}%"


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` pointing at the user's line, not at tsforecast's internals."""
    frame, level = sys._getframe(0), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
