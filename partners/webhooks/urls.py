"""The webhook pages, twice: ``manager_urlpatterns`` at /settings/webhooks/ (global names,
``{% url 'webhook-list' %}``) and ``partner_urlpatterns`` at /partner/webhooks/ (in the
``selfservice`` namespace). The same views; each portal's wrapper says who may open them."""

from django.urls import path

from partners.webhooks import views


def _patterns(portal) -> list:
    return [
        path("", portal(views.subscription_list_page), name="webhook-list"),
        path("new/", portal(views.subscription_create_page), name="webhook-create"),
        path("<int:pk>/", portal(views.subscription_detail_page), name="webhook-detail"),
        path("<int:pk>/edit/", portal(views.subscription_edit_page), name="webhook-edit"),
        path("<int:pk>/delete/", portal(views.subscription_delete_page), name="webhook-delete"),
        path("<int:pk>/rotate-secret/", portal(views.subscription_rotate_page), name="webhook-rotate"),
        path("<int:pk>/test/", portal(views.subscription_test), name="webhook-test"),
        path("<int:pk>/pause/", portal(views.subscription_pause), name="webhook-pause"),
        path("<int:pk>/resume/", portal(views.subscription_resume), name="webhook-resume"),
        path("<int:pk>/redeliver/", portal(views.subscription_redeliver_since), name="webhook-redeliver"),
        path(
            "<int:pk>/deliveries/<int:delivery_id>/redeliver/",
            portal(views.delivery_redeliver),
            name="webhook-delivery-redeliver",
        ),
    ]


manager_urlpatterns = [
    *_patterns(views.for_managers),
    path("paused-badge/", views.paused_badge, name="webhook-paused-badge"),
]
partner_urlpatterns = _patterns(views.for_partners)
