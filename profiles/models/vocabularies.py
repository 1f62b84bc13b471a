"""Vocabularies and participants' organisations: regions, themes, organisations, topics."""

from django.db import models
from simple_history.models import HistoricalRecords

from history.models import ChangeSetRecord


class Region(models.Model):
    """A broad world region used to group and filter mechanisms."""

    slug = models.SlugField("key", max_length=50, unique=True)
    name = models.CharField("name", max_length=100, unique=True)
    order = models.PositiveSmallIntegerField("order", default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "region"
        verbose_name_plural = "regions"

    def __str__(self) -> str:
        return self.name


class ThematicArea(models.Model):
    """Controlled vocabulary of migration themes a mechanism works on."""

    slug = models.SlugField("key", max_length=50, unique=True)
    name = models.CharField("name", max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "thematic area"
        verbose_name_plural = "thematic areas"

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """An inter-governmental organisation or regional body (IOM, UNHCR, ICMPD, ECOWAS…)."""

    class Kind(models.TextChoices):
        IGO = "igo", "Inter-governmental organisation"
        REGIONAL = "regional", "Regional organisation or body"
        OTHER = "other", "Other"

    acronym = models.CharField(
        "short name", max_length=50, unique=True, help_text="Natural key, e.g. IOM or UNHCR."
    )
    name = models.CharField("name", max_length=200)
    kind = models.CharField("kind", max_length=20, choices=Kind, default=Kind.IGO)
    website = models.URLField("website", blank=True)

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["acronym"]
        verbose_name = "organisation"
        verbose_name_plural = "organisations"

    def __str__(self) -> str:
        if self.name and self.name != self.acronym:
            return f"{self.name} ({self.acronym})"
        return self.acronym


class Topic(models.Model):
    """A standard heading of a Summary of Findings (the 2019 round has five)."""

    key = models.SlugField("key", max_length=50, unique=True)
    title = models.CharField("title", max_length=255)
    order = models.PositiveSmallIntegerField("order", unique=True)

    class Meta:
        ordering = ["order"]
        verbose_name = "topic"
        verbose_name_plural = "topics"

    def __str__(self) -> str:
        return self.title
