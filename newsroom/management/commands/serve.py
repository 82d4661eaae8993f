"""`make run`'s last step: the ASGI server (HTTP and websockets) and the task worker, together."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from newsroom.demo import logins_table
from newsroom.models import Agency


class Command(BaseCommand):
    help = _("Serve every agency's site and the admin over ASGI, and run the task worker beside them.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-worker", action="store_true", help=_("Do not start the task worker."))

    def handle(self, *args, host, no_worker, **options):
        ports = sorted(
            {site_port for site_port in Agency.objects.values_list("site__port", flat=True)} | {8000}
        )
        ports = [port for port in ports if port not in (80, 443)] or [8000]
        endpoints = [arg for port in ports for arg in ("-e", f"tcp:{port}:interface={host}")]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "newsroom.settings.dev"),
        }
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "daphne", *endpoints, "newsroom.asgi:application"], env=env
            )
        ]
        if not no_worker:
            children.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "newsroom_worker"], env=env, cwd=settings.BASE_DIR
                )
            )
        self.print_welcome(host, ports)

        def stop(*_args):
            for child in children:
                child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                child.wait(timeout=10)

    def print_welcome(self, host, ports):
        table = logins_table()
        if table:
            self.stdout.write(table)
            return
        for agency in Agency.objects.select_related("site"):
            self.stdout.write(f"  {agency.name}: http://{agency.site.hostname}:{agency.site.port}/")
        self.stdout.write(_("  Admin: http://%(host)s:%(port)s/admin/") % {"host": host, "port": ports[0]})
