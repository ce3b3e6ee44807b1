from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "Consultations"

    def ready(self):
        # Here rather than in the outbox so the outbox never imports the tasks, which import
        # the delivery functions (notifications/__init__.py).
        from .notifications.outbox import notification_due
        from .tasks import queue_notification

        notification_due.connect(queue_notification, dispatch_uid="consultations.queue_notification")
