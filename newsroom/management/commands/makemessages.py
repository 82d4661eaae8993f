"""Django's makemessages without fuzzy matching.

msgmerge's fuzzy matching pairs a new string with a similar old one — often one of the Wagtail supplements in
locale/vi (see locale/README.md) — and then marks the supplement obsolete. A new string left untranslated is
found and translated; a wrong guess that steals an entry is not.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
