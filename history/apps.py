from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "History"

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from .recording import attribute_record

        # django-simple-history records single saves and deletes through signals; this
        # stamps each such record with the change set open around it (bulk writes pass
        # the change set themselves, see recording.bulk_create / bulk_update).
        pre_create_historical_record.connect(
            attribute_record, dispatch_uid="history.attribute_record"
        )
