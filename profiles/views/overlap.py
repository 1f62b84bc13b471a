"""Placeholder until the overlap pages land (issue 9)."""

from django.http import Http404


def overlap(request, **kwargs):
    raise Http404


def overlap_pair(request, **kwargs):
    raise Http404
