"""Personal data: export and erasure (see personal_data)."""

from plonesocial.people import ERASED_NAME  # noqa: F401
from plonesocial.people import ERASED_TEXT  # noqa: F401
from plonesocial.privacy.personal_data import erase_user_data  # noqa: F401
from plonesocial.privacy.personal_data import export_user_data  # noqa: F401
from plonesocial.privacy.personal_data import user_removed  # noqa: F401
