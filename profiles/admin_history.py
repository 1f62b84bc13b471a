"""A mechanism's history in the admin: its versions, a diff between any two, restore.

`VersionHistoryAdminMixin` goes before `admin.ModelAdmin` in the mechanism admin's bases.
It adds three pages under the mechanism's admin address (URL names in the `admin`
namespace, each taking `object_id`):

- `<id>/versions/` — `profiles_mechanism_versions`: every version, newest first: number,
  when, who, from where (the way in and its source), the change set's summary, which
  version the public sees, radios to compare any two, a restore button per version;
- `<id>/versions/compare/?a=N&b=M` — `profiles_mechanism_versions_compare`: the diff from
  `a` to `b`, each a version number, `working` (the working copy) or `published` (what
  the public sees). Without `b`, the latest version; without `a`, the version before `b`;
- `<id>/versions/<n>/restore/` — `profiles_mechanism_versions_restore`: GET shows what
  restoring version n would change in the working copy; POST restores it
  (`profiles.services.restoring.restore`: a new attributed version, not published) and
  returns to the change page.

Seeing needs the view permission on the mechanism, restoring the change permission
(both checked here, server-side: 403 otherwise). `history_links(obj)` gives the change
page its links.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator

from iscm_site.audit import audit

from .models import Mechanism, PublishedProfile
from .services import StaleEdit
from .services.restoring import RestoreError, restore, restore_problems
from .versions import (
    VersionNotFound,
    diff_contents,
    empty_contents,
    origin,
    previous_version_number,
    published_contents,
    rebuild,
    version_record,
    version_records,
    who,
    working_contents,
)

# A change set's summary is cut to this on the versions page (its own page has it all).
SUMMARY_CHARS = 300
SIDE = r"^(\d{1,9}|working|published)$"


class CompareForm(forms.Form):
    """What to compare: a version number, `working` or `published`, on each side."""

    a = forms.RegexField(regex=SIDE, required=False)
    b = forms.RegexField(regex=SIDE, required=False)


class RestoreForm(forms.Form):
    # The version of the working copy the confirmation page was shown for.
    based_on = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class VersionHistoryAdminMixin:
    """The versions, compare and restore pages of the mechanism admin (see the module)."""

    versions_per_page = 50
    versions_template = "admin/profiles/mechanism/versions.html"
    compare_template = "admin/profiles/mechanism/versions_compare.html"
    restore_template = "admin/profiles/mechanism/versions_restore.html"

    def _history_url_name(self, page: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{page}"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/versions/",
                view(self.versions_view),
                name=self._history_url_name("versions"),
            ),
            path(
                "<path:object_id>/versions/compare/",
                view(self.versions_compare_view),
                name=self._history_url_name("versions_compare"),
            ),
            path(
                "<path:object_id>/versions/<int:number>/restore/",
                view(self.versions_restore_view),
                name=self._history_url_name("versions_restore"),
            ),
            *super().get_urls(),
        ]

    def history_links(self, obj: Mechanism) -> list[tuple[str, str]]:
        """(label, address) of the history pages, for the change page."""
        links = [("History", self._history_reverse("versions", obj))]
        if obj.is_published:
            compare = self._history_reverse("versions_compare", obj)
            links.append(("Working copy vs published", f"{compare}?a=published&b=working"))
        return links

    # --- helpers ------------------------------------------------------------------------

    def _history_reverse(self, page: str, obj: Mechanism, **kwargs) -> str:
        return reverse(
            f"{self.admin_site.name}:{self._history_url_name(page)}",
            kwargs={"object_id": obj.pk, **kwargs},
        )

    def _history_mechanism(
        self, request: HttpRequest, object_id: str, *, change: bool
    ) -> Mechanism:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such mechanism.")
        allowed = (
            self.has_change_permission(request, obj)
            if change
            else self.has_view_or_change_permission(request, obj)
        )
        if not allowed:
            raise PermissionDenied
        return obj

    def _history_context(self, request: HttpRequest, obj: Mechanism, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": title,
            "versions_url": self._history_reverse("versions", obj),
            "compare_url": self._history_reverse("versions_compare", obj),
            "change_url": self._history_change_url(obj),
            **extra,
        }

    def _history_change_url(self, obj: Mechanism) -> str:
        return reverse(f"{self.admin_site.name}:{self._history_url_name('change')}", args=[obj.pk])

    @staticmethod
    def _history_published_version(obj: Mechanism) -> int | None:
        return (
            PublishedProfile.objects.filter(mechanism=obj).values_list("version", flat=True).first()
        )

    # --- the pages ------------------------------------------------------------------------

    def versions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._history_mechanism(request, object_id, change=False)
        page = Paginator(version_records(obj.pk), self.versions_per_page).get_page(
            request.GET.get("p")
        )
        published_version = self._history_published_version(obj)
        can_restore = self.has_change_permission(request, obj)
        see_change_sets = request.user.has_perm("history.view_changeset")
        latest = obj.version
        rows = [
            {
                "number": record.version,
                "record": record,
                "change_set": record.change_set,
                "who": who(record, record.change_set),
                "origin": origin(record.change_set),
                "source": record.change_set.source if record.change_set else "",
                "summary": Truncator(record.change_set.summary).chars(SUMMARY_CHARS)
                if record.change_set
                else "",
                "change_set_url": reverse(
                    f"{self.admin_site.name}:history_changeset_change",
                    args=[record.change_set_id],
                )
                if record.change_set_id and see_change_sets
                else "",
                "is_published": record.version == published_version,
                "is_current": record.version == latest,
                "restore_url": (
                    self._history_reverse("versions_restore", obj, number=record.version)
                    if can_restore and record.version != latest
                    else ""
                ),
            }
            for record in page.object_list
        ]
        checked_b = rows[0]["number"] if rows else None
        checked_a = rows[1]["number"] if len(rows) > 1 else None
        context = self._history_context(
            request,
            obj,
            f"History of {obj}",
            page=page,
            rows=rows,
            checked_a=checked_a,
            checked_b=checked_b,
            published_version=published_version,
            can_restore=can_restore,
        )
        return TemplateResponse(request, self.versions_template, context)

    def _history_side(self, obj: Mechanism, value: str) -> tuple[str, dict]:
        """(label, content) of one side of a comparison."""
        if value == "working":
            return f"Working copy (version {obj.version})", working_contents(obj)
        if value == "published":
            published = published_contents(obj)
            if published is None:
                raise Http404("This mechanism is not published.")
            return f"Published (version {published[0]})", published[1]
        try:
            return f"Version {value}", rebuild(version_record(obj, int(value))).content
        except VersionNotFound:
            raise Http404(f"No version {value}.") from None

    def versions_compare_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._history_mechanism(request, object_id, change=False)
        form = CompareForm(request.GET)
        if not form.is_valid():
            raise Http404("Compare versions by number, “working” or “published”.")
        a, b = form.cleaned_data["a"], form.cleaned_data["b"]
        if not b:
            latest = version_records(obj.pk).values_list("version", flat=True).first()
            b = str(latest) if latest is not None else "working"
        if not a:
            before = previous_version_number(obj, int(b)) if b.isdigit() else None
            a = str(before) if before is not None else ""
        label_b, content_b = self._history_side(obj, b)
        if a:
            label_a, content_a = self._history_side(obj, a)
        else:
            label_a, content_a = "Nothing (before the first version)", empty_contents()
        context = self._history_context(
            request,
            obj,
            f"{obj}: {label_a} → {label_b}",
            label_a=label_a,
            label_b=label_b,
            diff=diff_contents(content_a, content_b),
        )
        return TemplateResponse(request, self.compare_template, context)

    def versions_restore_view(
        self, request: HttpRequest, object_id: str, number: int
    ) -> HttpResponse:
        obj = self._history_mechanism(request, object_id, change=True)
        try:
            record = version_record(obj, number)
        except VersionNotFound:
            raise Http404(f"No version {number} of this mechanism.") from None
        here = self._history_reverse("versions_restore", obj, number=number)
        if request.method == "POST":
            return self._history_restore(request, obj, number, here)
        rebuilt = rebuild(record)
        context = self._history_context(
            request,
            obj,
            f"Restore version {number} of {obj}?",
            number=number,
            record=record,
            who=who(record, record.change_set),
            origin=origin(record.change_set),
            diff=diff_contents(working_contents(obj), rebuilt.content),
            problems=restore_problems(obj, rebuilt),
            form=RestoreForm(initial={"based_on": obj.version}),
        )
        return TemplateResponse(request, self.restore_template, context)

    def _history_restore(self, request: HttpRequest, obj: Mechanism, number: int, here: str):
        form = RestoreForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The form was incomplete: confirm the restore again.")
            return HttpResponseRedirect(here)
        try:
            result = restore(
                obj, number, user=request.user, expected_version=form.cleaned_data["based_on"]
            )
        except RestoreError as error:
            messages.error(request, f"Nothing was restored. {error}")
            return HttpResponseRedirect(here)
        except StaleEdit:
            messages.error(
                request,
                "Nothing was restored: someone changed the mechanism while you were looking. "
                "Check what restoring would change now, and confirm again.",
            )
            return HttpResponseRedirect(here)
        audit(
            "restore",
            user=request.user,
            request=request,
            mechanism=obj.slug,
            version=number,
            new_version=result.version if result.changed else None,
        )
        if not result.changed:
            messages.info(
                request, f"Version {number} is the working copy already: nothing was written."
            )
        else:
            published = self._history_published_version(obj)
            public = (
                f"The public still sees version {published} until a publisher publishes."
                if published
                else "The mechanism is not public."
            )
            messages.success(
                request, f"Restored version {number} as the new version {result.version}. {public}"
            )
        return HttpResponseRedirect(self._history_change_url(obj))
