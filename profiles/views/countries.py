"""Placeholder until the countries pages land (issue 9)."""

from django.http import Http404


def country_list(request, **kwargs):
    raise Http404


def country_detail(request, **kwargs):
    raise Http404


def membership_table(request, **kwargs):
    raise Http404
