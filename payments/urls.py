from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("checkout/<int:booking_id>/", views.CheckoutView.as_view(), name="checkout"),
    path("<str:reference>/", views.PaymentStatusView.as_view(), name="status"),
    path("test-card/<str:reference>/", views.TestCardView.as_view(), name="test_card"),
    path("webhooks/<str:provider_name>/", views.webhook, name="webhook"),
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice_pdf"),
]
