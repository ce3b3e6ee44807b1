from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients and intakes"

    def ready(self):
        # Here rather than in continuation.py, which the tasks import (tasks.py says why).
        from .continuation import continue_link_wanted
        from .tasks import queue_continue_link

        continue_link_wanted.connect(queue_continue_link, dispatch_uid="patients.queue_continue_link")
