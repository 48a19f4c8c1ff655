"""Site settings of realtime delivery, kept in the Plone registry."""

from plonesocial import _
from plonesocial.realtime.tickets import new_secret
from plonesocial.settings import RegistrySettings
from zope import schema
from zope.interface import Interface


PREFIX = "plonesocial.realtime"


class IRealtimeSettings(Interface):
    """Registry records ``plonesocial.realtime.<name>``."""

    enabled = schema.Bool(
        title=_("Realtime updates"),
        description=_(
            "Publish messages, notifications and stream signals to the realtime gateway "
            "after each commit; pages connect to it instead of polling."
        ),
        default=False,
    )

    broker_url = schema.TextLine(
        title=_("Broker URL"),
        description=_(
            "RabbitMQ, e.g. amqp://user:password@rabbitmq:5672/%2F. Empty: publish "
            "straight to one gateway at the publish URL (one machine)."
        ),
        default="",
        required=False,
    )

    exchange = schema.ASCIILine(
        title=_("Exchange"),
        description=_("The topic exchange Zope publishes to and the gateways read from."),
        default="plonesocial",
    )

    publish_url = schema.TextLine(
        title=_("Publish URL"),
        description=_(
            "Without a broker: the gateway's publish endpoint, reachable from Zope only, "
            "e.g. http://127.0.0.1:8090/publish."
        ),
        default="http://127.0.0.1:8090/publish",
        required=False,
    )

    gateway_url = schema.TextLine(
        title=_("Gateway URL for pages"),
        description=_(
            "Where browsers connect, e.g. wss://intranet.example.org/realtime, or :8090 "
            "for the page's own host on that port. Empty: pages poll as without realtime."
        ),
        default="",
        required=False,
    )

    allowed_origins = schema.List(
        title=_("Allowed origins"),
        description=_(
            "Origins (scheme://host[:port]) of pages the gateway accepts; empty: the "
            "site's own origin."
        ),
        value_type=schema.ASCIILine(),
        default=[],
        required=False,
    )

    max_connections_per_user = schema.Int(
        title=_("Connections per user"),
        description=_("Open tabs and devices one person may connect at once."),
        default=10,
        min=1,
        max=1000,
    )

    secret = schema.ASCIILine(
        title=_("Shared secret"),
        description=_(
            "Signs tickets and publish requests; the gateway gets the same one "
            "(--secret-file). Generated at install; rotate with rotate_secret()."
        ),
        default="",
        required=False,
    )

    previous_secret = schema.ASCIILine(
        title=_("Previous shared secret"),
        description=_("Kept by a rotation so gateways not yet updated keep working."),
        default="",
        required=False,
    )


SETTINGS = RegistrySettings(IRealtimeSettings, PREFIX)


def get_settings():
    """Return the realtime settings of the current site, or None before install (a site
    not upgraded yet has no records, and then no realtime)."""
    return SETTINGS.get() if SETTINGS.is_installed() else None


def ensure_secret():
    """Give the site a shared secret if it has none (install, upgrade); return it."""
    settings = get_settings()
    if settings is None:
        return None
    if not settings.secret:
        settings.secret = new_secret()
    return settings.secret


def rotate_secret():
    """Replace the shared secret with a new one, keeping the old as the previous; return it.

    Tickets are signed with the new secret at once: give it to the gateways
    (their secret file is re-read when it changes). Open connections stay.
    """
    settings = get_settings()
    settings.previous_secret = settings.secret or ""
    settings.secret = new_secret()
    return settings.secret


def upgrade_add_realtime(context):
    """Upgrade 1004 -> 1005: the realtime records, a shared secret, and who may broadcast."""
    for step in ("plone.app.registry", "rolemap"):
        context.runImportStepFromProfile("profile-plonesocial:default", step,
                                         run_dependencies=False)
    ensure_secret()
