"""Controlled vocabularies stored as data: the topics of a Summary of Findings (2019
round), broad world regions and thematic areas.

Migration 0002 loads them; `load_demo` calls `ensure_vocabularies` too, so that a database
emptied by a test or by hand gets them back. Editors may add more in the admin.
"""

TOPICS = [
    ("evolution", 1, "Evolution of programming and thematic focus"),
    (
        "contribution",
        2,
        "Contribution to migration governance at national, (inter)regional and global levels",
    ),
    ("structures", 3, "Salient ISCM structures"),
    ("partnerships", 4, "Effective partnership models by the ISCM"),
    ("added-value", 5, "Added value of membership in the ISCM for States and organizations"),
]

REGIONS = [
    ("africa", 1, "Africa"),
    ("americas", 2, "Americas and the Caribbean"),
    ("asia-pacific", 3, "Asia and the Pacific"),
    ("europe", 4, "Europe"),
    ("middle-east", 5, "Middle East and the Gulf"),
    ("global", 6, "Global"),
]

THEMES = [
    ("asylum-refugees", "Asylum and refugee protection"),
    ("border-management", "Border management"),
    ("displacement", "Displacement"),
    ("irregular-migration", "Irregular migration"),
    ("labour-migration", "Labour migration"),
    ("migrant-rights", "Migrants' rights and protection"),
    ("migration-development", "Migration and development"),
    ("migration-policy", "Migration policy and governance"),
    ("return-reintegration", "Return and reintegration"),
    ("smuggling", "Migrant smuggling"),
    ("trafficking", "Trafficking in persons"),
]


def ensure_vocabularies(Topic, Region, ThematicArea) -> None:
    """Create the standard rows that are missing; takes the models so migrations can too."""
    for key, order, title in TOPICS:
        Topic.objects.get_or_create(key=key, defaults={"order": order, "title": title})
    for slug, order, name in REGIONS:
        Region.objects.get_or_create(slug=slug, defaults={"order": order, "name": name})
    for slug, name in THEMES:
        ThematicArea.objects.get_or_create(slug=slug, defaults={"name": name})
