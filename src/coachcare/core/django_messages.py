"""Messages of Django itself that its Dutch catalogue (Django 6.1) does not translate yet.

Django looks in ``LOCALE_PATHS`` before its own catalogues, so listing them here makes
``make messages`` put them in ``src/coachcare/locale/nl/LC_MESSAGES/django.po``, where they get their
Dutch text. The msgids must be exactly Django's. ``tests/core/test_dutch_everywhere.py`` finds any
that are still missing on a page. Remove an entry once Django's own catalogue has it.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_MESSAGES = (
    # django.db.models.fields.BLANK_CHOICE_LABEL: the empty choice of every select
    gettext_noop("- Select an option -"),
    # django.contrib.admin
    gettext_noop("Filter by %(field_name)s"),
    gettext_noop("Search %(name)s"),
    gettext_noop("Pagination %(name)s"),
    gettext_noop("Pagination %(name)s entries"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("Logout"),
    gettext_noop('The app "%s" could not be found.'),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would result in deleting "
        "related objects, but your account doesn't have permission to delete the "
        "following types of objects:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s “%(escaped_object)s” would require deleting the "
        "following protected related objects:"
    ),
    gettext_noop(
        "Are you sure you want to delete the %(object_name)s “%(escaped_object)s”? "
        "All of the following related items will be deleted:"
    ),
)

DJANGO_PLURAL_MESSAGES = (ngettext_lazy("…and %(count)d more object.", "…and %(count)d more objects.", "count"),)
