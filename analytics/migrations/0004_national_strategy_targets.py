"""The targets of Decision 348/QĐ-TTg: the share of press agencies meeting each indicator by 2025 and 2030."""

from django.db import migrations

SOURCE = "348/QĐ-TTg"
TARGETS = {
    "digital_platforms": (70, 100),
    "analytics_platform": (50, 90),
    "convergent_newsroom": (80, 100),
    "revenue_growth": (30, 50),
    "staff_trained": (100, 100),
    "security_level3": (100, 100),
}


def add_targets(apps, schema_editor):
    StrategyTarget = apps.get_model("analytics", "StrategyTarget")
    for indicator, shares in TARGETS.items():
        for year, share in zip((2025, 2030), shares, strict=True):
            StrategyTarget.objects.get_or_create(
                indicator=indicator,
                year=year,
                oversight_body=None,
                defaults={"share": share, "source": SOURCE},
            )


def remove_targets(apps, schema_editor):
    apps.get_model("analytics", "StrategyTarget").objects.filter(oversight_body=None, source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_revenue_training_security_indicators_maturity")]
    operations = [migrations.RunPython(add_targets, remove_targets)]
