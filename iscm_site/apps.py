"""The site itself as an app: connects the audit log receivers (iscm_site/audit.py)."""

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "iscm_site"
    verbose_name = "ISCM Profiles site"

    def ready(self) -> None:
        # Importing axes.signals connects django-axes's own receivers, so they run before
        # ours, whatever the order of INSTALLED_APPS: audit.log_login_failed relies on it.
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from iscm_site import audit

        user_logged_in.connect(audit.log_login, dispatch_uid="iscm.audit.login")
        user_login_failed.connect(audit.log_login_failed, dispatch_uid="iscm.audit.failed")
        user_locked_out.connect(audit.log_locked_out, dispatch_uid="iscm.audit.locked_out")
