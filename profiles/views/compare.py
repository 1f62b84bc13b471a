"""Placeholder until the compare pages land (issue 9)."""

from django.http import Http404


def compare(request, **kwargs):
    raise Http404
