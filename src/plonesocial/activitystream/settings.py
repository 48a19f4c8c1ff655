"""Site settings of activity streams and notifications, kept in the Plone registry."""

from plonesocial import _
from plonesocial.activitystream.interfaces import MAIL_MODES
from plonesocial.settings import RegistrySettings
from zope import schema
from zope.interface import Interface


PREFIX = "plonesocial.activitystream"


class IActivityStreamSettings(Interface):
    """Registry records ``plonesocial.activitystream.<name>``."""

    max_recipients = schema.Int(
        title=_("Addressed recipients per request"),
        description=_(
            "How many people one activity or notice may address by name; 0 is unlimited. "
            "Followers and watchers are not counted: they get theirs through the fan-out."
        ),
        default=100,
        min=0,
    )

    fanout_threshold = schema.Int(
        title=_("Fan-out threshold"),
        description=_(
            "Notifications written while the request runs; an event with a "
            "larger audience queues the rest for the fan-out job."
        ),
        default=500,
        min=1,
    )

    feed_threshold = schema.Int(
        title=_("Followers for fan-out on read"),
        description=_(
            "From this many followers, a person's activities are stored once and read "
            "by each follower, instead of being written into every follower's list; "
            "0 never does so."
        ),
        default=1000,
        min=0,
    )

    remove_after = schema.Int(
        title=_("Remove notifications after (days)"),
        description=_("The cleanup job removes older notifications; 0 keeps them forever."),
        default=14,
        min=0,
    )

    keep_unseen = schema.Bool(
        title=_("Keep unseen notifications"),
        description=_("The cleanup job spares notifications their recipient has not seen."),
        default=True,
    )

    creator_watches = schema.Bool(
        title=_("Creators watch their content"),
        description=_("Whoever creates content watches it from then on."),
        default=True,
    )

    default_mail_mode = schema.Choice(
        title=_("Default mail mode"),
        description=_("How people hear of a notification until they choose otherwise."),
        values=MAIL_MODES,
        default="often",
    )


    max_post_length = schema.Int(
        title=_("Characters per post"),
        description=_("The longest post or comment members may write; 0 is unlimited."),
        default=5000,
        min=0,
    )

    max_post_images = schema.Int(
        title=_("Images per post"),
        description=_("How many images a post may carry; 0 allows none."),
        default=4,
        min=0,
    )

    max_image_size = schema.Int(
        title=_("Largest image (kB)"),
        description=_("The largest image a post may carry, in kilobytes."),
        default=5120,
        min=1,
    )

SETTINGS = RegistrySettings(IActivityStreamSettings, PREFIX)
get_settings = SETTINGS.get
is_installed = SETTINGS.is_installed
