from django.urls import path

from coachcare.contracts import views

app_name = "contracts"

urlpatterns = [
    path("allocations/", views.allocation_list, name="allocation_list"),
    path("allocations/<uuid:public_id>/", views.allocation_detail, name="allocation_detail"),
    path("allocations/<uuid:public_id>/approve/", views.allocation_approve, name="allocation_approve"),
    path("allocations/<uuid:public_id>/reject/", views.allocation_reject, name="allocation_reject"),
    path("budgets/", views.contract_budget_list, name="contract_budget_list"),
    path("budgets/<int:pk>/", views.contract_budget, name="contract_budget"),
    path("budgets/<int:pk>/year/", views.contract_budget_year, name="contract_budget_year"),
    path("budgets/<int:pk>/instalments/", views.contract_instalment_add, name="contract_instalment_add"),
    path("budgets/<int:pk>/instalments/plan/", views.contract_instalments_plan, name="contract_instalments_plan"),
    path(
        "budgets/<int:pk>/instalments/<int:instalment_pk>/paid/",
        views.contract_instalment_pay,
        name="contract_instalment_pay",
    ),
    path("budgets/<int:pk>/shares/<int:year>/", views.contract_shares, name="contract_shares"),
]
