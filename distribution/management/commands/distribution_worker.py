import signal
import threading

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from distribution.outbox import drain
from distribution.worker import run


class Command(BaseCommand):
    help = _("Deliver stories to their channels: drain the delivery outbox, retrying with backoff.")

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=4, help=_("Deliveries pushed at the same time."))
        parser.add_argument("--once", action="store_true", help=_("Deliver what is due now, then stop."))

    def handle(self, *args, threads, once, **options):
        if once:
            count = drain(worker="distribution_worker --once")
            self.stdout.write(_("%(count)d deliveries processed.") % {"count": count})
            return
        stop = threading.Event()
        for name in ("SIGINT", "SIGTERM"):
            signal.signal(getattr(signal, name), lambda *_: stop.set())
        workers = run(stop, threads=threads)
        self.stdout.write(_("Delivering with %(threads)d threads; Ctrl-C stops.") % {"threads": threads})
        while not stop.wait(1):
            pass
        for worker in workers:
            worker.join(timeout=30)
