from django.db import migrations


def remove_welcome_site(apps, schema_editor):
    """Wagtail's first migration makes a placeholder site and "Welcome" page; agencies replace them."""
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    ContentType = apps.get_model("contenttypes", "ContentType")
    try:
        plain_page = ContentType.objects.get(app_label="wagtailcore", model="page")
    except ContentType.DoesNotExist:
        return
    welcome = Page.objects.filter(depth=2, slug="home", content_type=plain_page, numchild=0)
    Site.objects.filter(root_page__in=welcome).delete()
    for page in welcome:
        parent_path = page.path[:4]
        page.delete()
        Page.objects.filter(path=parent_path).update(numchild=Page.objects.filter(depth=2).count())


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0001_initial"), ("wagtailcore", "0098_apitoken")]
    operations = [migrations.RunPython(remove_welcome_site, migrations.RunPython.noop)]
