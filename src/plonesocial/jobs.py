"""The scheduled jobs of plonesocial, as one command for cron.

    plonesocial-jobs <zope.conf> digests|fanout|outbox|cleanup|all [--site ID] [--chunk N]
        [--worker I --workers N]

``digests`` queues the digests that are due (run it every 10 minutes: "often"
digests go out each time, daily and weekly ones at each person's hour);
``outbox`` sends the emails and desktop notifications waiting in the outbox
(retrying those that failed for a while, see docs/delivery.rst); it and
``digests`` refuse to run without the site URL (registry record
``plonesocial.delivery.site_url``), which every link in a mail starts with;
``fanout`` delivers the notifications queued for large audiences, one chunk
per transaction (``--worker I --workers N``: N processes, I from 0 to N-1, share
the work of large fan-outs, see docs/scaling.md); ``cleanup`` removes old notifications as the registry's
``remove_after`` and ``keep_unseen`` say, and the outbox's sent entries
older than ``plonesocial.delivery.keep_sent_days``. Every Plone site with plonesocial
installed is served unless ``--site`` names some.
"""

from plone.base.interfaces import IPloneSiteRoot
from plonesocial.activitystream.content import get_storage
from plonesocial.activitystream.jobs import run_fanout
from plonesocial.activitystream.settings import get_settings
from plonesocial.activitystream.settings import is_installed
from plonesocial.delivery.digests import send_digests
from plonesocial.delivery.mail import site_url
from plonesocial.delivery.mail import SiteURLMissing
from plonesocial.delivery.outbox import create_outbox
from plonesocial.delivery.settings import get_delivery_settings
from plonesocial.delivery.worker import run_outbox
from zope.component.hooks import setSite

import argparse
import sys
import transaction


JOBS = ("fanout", "digests", "outbox", "cleanup")
MAILING_JOBS = ("digests", "outbox")


def plonesocial_sites(app, site_ids=None):
    """Yield the Plone sites of `app` that have plonesocial installed."""
    for site in app.objectValues():
        if not IPloneSiteRoot.providedBy(site):
            continue
        if site_ids and site.getId() not in site_ids:
            continue
        setSite(site)
        if is_installed() and get_storage(site) is not None:
            yield site


def run_jobs(app, jobs, site_ids=None, chunk_size=None, worker=0, workers=1):
    """Run `jobs` on every plonesocial site of `app`; return {site id: {job: count}}.

    A site without its site URL gets {"error": message} for the jobs that mail.
    """
    unknown = set(jobs) - set(JOBS)
    if unknown:
        raise ValueError(f"unknown jobs: {', '.join(sorted(unknown))}")
    results = {}
    for site in plonesocial_sites(app, site_ids):
        site_id = site.getId()
        done = results[site_id] = {}
        site_jobs = list(jobs)
        if "fanout" in site_jobs:
            done["fanout"] = run_fanout(lambda: get_storage(app[site_id]), chunk_size,
                                         worker=worker, workers=workers)
        if set(site_jobs) & set(MAILING_JOBS):
            try:
                site_url()
            except SiteURLMissing as error:
                done["error"] = str(error)
                site_jobs = [job for job in site_jobs if job not in MAILING_JOBS]
        if "digests" in site_jobs:
            done["digests"] = send_digests(lambda: get_storage(app[site_id]))
        if "outbox" in site_jobs:
            done["outbox"] = run_outbox(lambda: app[site_id])["sent"]
            setSite(app[site_id])
        if "cleanup" in site_jobs:
            settings = get_settings()
            keep_sent_days = get_delivery_settings().keep_sent_days
            for attempt in transaction.manager.attempts(5):
                with attempt:
                    done["cleanup"] = get_storage(app[site_id]).cleanup(
                        remove_after=settings.remove_after, keep_unseen=settings.keep_unseen
                    ) + create_outbox(app[site_id]).cleanup(keep_sent_days)
    setSite(None)
    return results


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="plonesocial-jobs", description="Run plonesocial's scheduled jobs."
    )
    parser.add_argument("zope_conf", help="path to the instance's zope.conf")
    parser.add_argument("job", choices=(*JOBS, "all"), help="which job to run")
    parser.add_argument("--site", action="append", dest="sites",
                        help="a Plone site id (repeatable); default: every site")
    parser.add_argument("--chunk", type=int, default=None,
                        help="notifications per fan-out transaction (default: the threshold)")
    parser.add_argument("--worker", type=int, default=0,
                        help="this fan-out worker's number, 0 to --workers minus 1")
    parser.add_argument("--workers", type=int, default=1,
                        help="how many fan-out workers run in parallel")
    args = parser.parse_args(argv)
    if args.chunk is not None and args.chunk < 1:
        parser.error("--chunk must be at least 1")
    if args.workers < 1 or not 0 <= args.worker < args.workers:
        parser.error("--worker must be from 0 to --workers minus 1")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Zope starts only once the arguments are right (--help answers at once).
    from Zope2.Startup.run import make_wsgi_app

    import Zope2

    make_wsgi_app({}, args.zope_conf)
    app = Zope2.app()
    try:
        jobs = JOBS if args.job == "all" else (args.job,)
        results = run_jobs(app, jobs, args.sites, args.chunk, args.worker, args.workers)
    finally:
        transaction.abort()
        app._p_jar.close()
        app._p_jar.db().close()
    return report(results)


def report(results, out=None, err=None):
    """Print what the jobs did, one line per site; return the exit code: 1 without a
    site, 2 when a site could not mail (no site URL), else 0."""
    out, err = out or sys.stdout, err or sys.stderr
    if not results:
        print("no Plone site with plonesocial installed", file=err)
        return 1
    failed = False
    for site_id, done in results.items():
        done = dict(done)
        error = done.pop("error", None)
        if error:
            failed = True
            print(f"{site_id}: no mail sent. {error}", file=err)
        print(site_id, " ".join(f"{job}={count}" for job, count in done.items()), file=out)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
