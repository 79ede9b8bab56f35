"""Extensions created once at import and bound to the app in ``create_app``."""

from __future__ import annotations

from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from circular_platform.i18n import Babel

babel = Babel()
bootstrap = Bootstrap5()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()

# Every form that checks a password (log in, register, reset, change, delete the account) is
# limited per client address, so no one can try passwords faster than this.
PASSWORD_RATE = "10 per minute;60 per hour"  # a rate, not a password  # nosec B105
