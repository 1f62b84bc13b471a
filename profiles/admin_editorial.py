"""The editorial side of the admin: every write through the gateway, no lost edits, roles.

- `GatewayAdminMixin` (every profiles model admin): saves, deletes, inline formsets and
  actions run inside one change set (`profiles.services.editing`), attributed to the user
  and the page; a row whose normalised values did not change is not written.
- `EditorialAdminMixin` (the mechanism admin): the change form carries the version it was
  made from and is refused when someone saved the mechanism meanwhile (the other edit is
  kept, the editor's input stays on the page); publishers get "Save and publish"
  (`_publish`) and the publish / unpublish actions; editors posting any of those are
  refused and logged. An editor's save never changes what the public sees.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from iscm_site.audit import audit

from .models import Mechanism
from .services import (
    Actor,
    ChangeSet,
    StaleEdit,
    delete_object,
    editing,
    expect_version,
    publish,
    save_object,
    touch,
    unpublish,
)
from .versions import describe_changes_since

# What only publishers may post (the form has no publication field at all).
PUBLISHING_KEYS = ("_publish", "is_published", "published")


def can_publish(user) -> bool:
    """Whether `user` may publish or unpublish mechanisms (superusers hold every permission)."""
    return user.has_perm("profiles.publish_mechanism")


def _meanwhile(mechanism: Mechanism, version: int) -> str:
    return describe_changes_since(mechanism, version) or "a change that left no history"


def _mechanism_id(obj) -> int | None:
    return obj.pk if isinstance(obj, Mechanism) else getattr(obj, "mechanism_id", None)


class GatewayAdminMixin:
    """Writes of this admin go through `profiles.services`, one change set per request."""

    def _actor(self, request: HttpRequest, via: str = ChangeSet.Via.CHANGE_PAGE) -> Actor:
        return Actor.from_request(request, via=via)

    def _in_change_set(self, request: HttpRequest, view, *args, via=None, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        try:
            with editing(self._actor(request, via or ChangeSet.Via.CHANGE_PAGE)):
                return view(request, *args, **kwargs)
        except StaleEdit as error:
            audit("refused", request=request, reason="stale edit", mechanism=error.mechanism_id)
            meanwhile = _meanwhile(Mechanism(pk=error.mechanism_id), error.expected)
            messages.error(
                request,
                "Nothing was saved: someone else saved this mechanism while you were "
                f"working ({meanwhile}). Their edit is kept; open the page again and redo "
                "yours.",
            )
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._in_change_set(
            request, super().changeform_view, object_id, form_url, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._in_change_set(request, super().delete_view, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        # Actions (and list_editable) post to the changelist.
        return self._in_change_set(
            request, super().changelist_view, extra_context, via=ChangeSet.Via.ADMIN_ACTION
        )

    def save_model(self, request, obj, form, change) -> None:
        save_object(obj)

    def delete_model(self, request, obj) -> None:
        delete_object(obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            delete_object(obj)

    def save_related(self, request, form, formsets, change) -> None:
        m2m = [f.name for f in form._meta.model._meta.many_to_many]
        form.save_m2m()
        if any(name in form.changed_data for name in m2m):
            mechanism_id = _mechanism_id(form.instance)
            if mechanism_id is not None:
                touch(mechanism_id)
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            delete_object(obj)
        for obj in instances:
            save_object(obj)
        formset.save_m2m()


class VersionedMechanismForm(forms.ModelForm):
    """A mechanism form that remembers the version it was made from."""

    based_on_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, label="version"
    )

    class Meta:
        model = Mechanism
        # The admin builds the form from its fieldsets (modelform_factory); this is a base.
        fields = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["based_on_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            based_on = cleaned.get("based_on_version")
            if based_on is None:
                raise ValidationError(
                    "This form does not say which version it was made from: open the page again.",
                    code="no_version",
                )
            if based_on != self.instance.version:
                raise ValidationError(
                    "Not saved: someone else saved this mechanism after you opened it "
                    f"({_meanwhile(self.instance, based_on)}). Their edit is "
                    "kept. Your changes are still in the form below: open the page again in "
                    "a new tab, then redo them there.",
                    code="stale",
                )
        return cleaned


class EditorialAdminMixin(GatewayAdminMixin):
    form = VersionedMechanismForm

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return can_publish(request.user)

    def history_view(self, request, object_id, extra_context=None) -> HttpResponse:
        # The admin's own "History" (its log entries) knows nothing of imports and
        # restores: the versions page is the one history.
        return HttpResponseRedirect(
            reverse("admin:profiles_mechanism_versions", kwargs={"object_id": object_id})
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and not can_publish(request.user):
            posted = [key for key in PUBLISHING_KEYS if key in request.POST]
            if posted:
                audit(
                    "refused",
                    request=request,
                    reason="publishing without the publish permission",
                    fields=",".join(posted),
                    mechanism=object_id,
                )
                raise PermissionDenied
        extra_context = {
            **(extra_context or {}),
            "can_publish_mechanisms": can_publish(request.user),
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, **kwargs):
        form = context["adminform"].form
        if form.is_bound and any(
            error.code == "stale" for error in form.non_field_errors().as_data()
        ):
            audit("refused", request=request, reason="stale edit", mechanism=form.instance.pk)
        return super().render_change_form(request, context, add=add, change=change, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if change:
            expect_version(obj.pk, form.cleaned_data["based_on_version"])
        super().save_model(request, obj, form, change)

    def _after_save(self, request: HttpRequest, obj: Mechanism) -> None:
        if "_publish" in request.POST:
            publish([obj.pk])
            messages.success(request, f"“{obj}” is published: the public page shows it now.")
        elif obj.is_published:
            messages.info(
                request,
                "The public page is unchanged until a publisher publishes this version.",
            )

    def response_add(self, request, obj, post_url_continue=None) -> HttpResponse:
        self._after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj) -> HttpResponse:
        self._after_save(request, obj)
        return super().response_change(request, obj)

    @admin.display(description="state")
    def publication_state(self, obj: Mechanism) -> str:
        snapshot = getattr(obj, "published_profile", None) if obj.is_published else None
        if snapshot is None:
            return "Draft (not public)"
        if snapshot.version != obj.version:
            return f"Published (version {snapshot.version}); unpublished changes"
        return "Published"

    @admin.display(description="publication")
    def publication_details(self, obj: Mechanism) -> SafeString:
        if obj.pk is None:
            return format_html("{}", "A new mechanism is a draft until a publisher publishes it.")
        # Loaded with the mechanism (the admin's queryset selects it); None when unpublished.
        snapshot = getattr(obj, "published_profile", None)
        if snapshot is None:
            text = format_html("Working copy: version {}. Not public.", obj.version)
        else:
            who = snapshot.published_by.get_username() if snapshot.published_by else "command"
            text = format_html(
                "Working copy: version {}. The public sees version {}, published {} UTC by {}.",
                obj.version,
                snapshot.version,
                snapshot.published_at.strftime("%Y-%m-%d %H:%M"),
                who,
            )
        links = [("Preview the draft", "profiles:mechanism_preview", {"slug": obj.slug})]
        if snapshot is not None:
            links.append(("Public page", "profiles:mechanism_detail", {"slug": obj.slug}))
        links.append(("History", "admin:profiles_mechanism_versions", {"object_id": obj.pk}))
        links.append(
            ("Survey answers about it", "admin:surveys_answer_mechanism", {"slug": obj.slug})
        )
        anchors = []
        for label, name, kwargs in links:
            try:
                anchors.append((reverse(name, kwargs=kwargs), label))
            except NoReverseMatch:
                continue
        return format_html(
            "<p>{}</p><p>{}</p>",
            text,
            format_html_join(" · ", '<a href="{}">{}</a>', anchors),
        )

    @admin.action(description="Publish selected mechanisms", permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset) -> None:
        publish(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Published {queryset.count()} mechanism(s).")

    @admin.action(description="Unpublish selected mechanisms", permissions=["publish"])
    def unpublish_selected(self, request: HttpRequest, queryset) -> None:
        unpublish(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, f"Unpublished {queryset.count()} mechanism(s): the public no longer sees them."
        )
