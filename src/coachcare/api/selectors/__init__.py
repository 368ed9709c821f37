"""Reads for the REST API and the FHIR server: adapters over the apps' own selectors.

Which rows an actor may read comes from the selectors of the app that owns them
(``clients.selectors``, ``trajectories.selectors``, ``coaching.selectors``, ...), which ask the
access policy (``coachcare.access.policy``, the same functions as the screens); anything the actor
may not see raises ``AccessDenied``, which both APIs answer with 404 (no existence leak). These
modules only page the results (every list is a cursor page: a fixed number of queries whatever the
page or the amount of data) and write the NEN 7513 access log with channel ``api``; they query no
model themselves (``tests/api/test_selectors_adapters.py``). Paging, keeping the allowed rows and
logging are done in one place, ``logged.page_logged`` (lists) and ``logged.read_logged`` (one row).
"""

from coachcare.api.selectors.aggregates import INDICATORS_CACHE_SECONDS as INDICATORS_CACHE_SECONDS
from coachcare.api.selectors.aggregates import Indicators as Indicators
from coachcare.api.selectors.aggregates import Outcomes as Outcomes
from coachcare.api.selectors.aggregates import indicators_get as indicators_get
from coachcare.api.selectors.aggregates import outcomes_get as outcomes_get
from coachcare.api.selectors.audit import audit_event_get as audit_event_get
from coachcare.api.selectors.audit import audit_event_page as audit_event_page
from coachcare.api.selectors.catalogue import module_by_key as module_by_key
from coachcare.api.selectors.catalogue import module_catalogue_page as module_catalogue_page
from coachcare.api.selectors.catalogue import module_key as module_key
from coachcare.api.selectors.catalogue import questionnaire_page as questionnaire_page
from coachcare.api.selectors.clients import ClientDetail as ClientDetail
from coachcare.api.selectors.clients import client_clinical_get as client_clinical_get
from coachcare.api.selectors.clients import client_file as client_file
from coachcare.api.selectors.clients import client_page as client_page
from coachcare.api.selectors.clients import task_patient_get as task_patient_get
from coachcare.api.selectors.coaching import appointment_get as appointment_get
from coachcare.api.selectors.coaching import appointment_page as appointment_page
from coachcare.api.selectors.contracts import allocation_get as allocation_get
from coachcare.api.selectors.contracts import allocation_page as allocation_page
from coachcare.api.selectors.invoices import invoice_evidence as invoice_evidence
from coachcare.api.selectors.invoices import invoice_get as invoice_get
from coachcare.api.selectors.invoices import invoice_page as invoice_page
from coachcare.api.selectors.measures import response_get as response_get
from coachcare.api.selectors.measures import response_page as response_page
from coachcare.api.selectors.messaging import message_attachments as message_attachments
from coachcare.api.selectors.messaging import message_page as message_page
from coachcare.api.selectors.messaging import thread_get as thread_get
from coachcare.api.selectors.messaging import thread_page as thread_page
from coachcare.api.selectors.messaging import thread_readable_get as thread_readable_get
from coachcare.api.selectors.practitioners import practitioner_get as practitioner_get
from coachcare.api.selectors.practitioners import practitioner_ids as practitioner_ids
from coachcare.api.selectors.trajectories import goal_get as goal_get
from coachcare.api.selectors.trajectories import goal_page as goal_page
from coachcare.api.selectors.trajectories import goal_page_for_client as goal_page_for_client
from coachcare.api.selectors.trajectories import module_run_get as module_run_get
from coachcare.api.selectors.trajectories import module_run_page as module_run_page
from coachcare.api.selectors.trajectories import trajectory_get as trajectory_get
from coachcare.api.selectors.trajectories import trajectory_module_runs as trajectory_module_runs
from coachcare.api.selectors.trajectories import trajectory_page as trajectory_page
