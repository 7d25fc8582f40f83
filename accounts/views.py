from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import CreateView, TemplateView, UpdateView

from accounts import links, services
from accounts.forms import (
    LockedPasswordChangeForm,
    LoginForm,
    OrganizerRequestForm,
    ProfileForm,
    ResetPasswordForm,
    SignUpForm,
)
from accounts.models import OrganizerRequest, User
from eventhub.errors import DomainError, ErrorCode
from eventhub.middleware import RETRY_AFTER_SECONDS
from eventhub.net import client_address

# The address a profile change asked for, shown on the profile until it is the account's.
PENDING_EMAIL_SESSION_KEY = "accounts.pending_email"


def safe_next(request) -> str:
    """The page to go back to after signing in or up, if it is on this site; else empty."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


class SignUpView(CreateView):
    """Create an account and sign in; back to where the visitor came from (``next``), if anywhere."""

    form_class = SignUpForm
    template_name = "accounts/signup.html"
    success_url = reverse_lazy("events:list")

    def form_valid(self, form):
        try:
            self.object = services.register_account(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                role=form.cleaned_data["role"],
                organizer_note=form.cleaned_data.get("organizer_note", ""),
            )
        except DomainError as refusal:  # someone took the name or email a moment ago
            form.add_error(refusal.field, refusal.message)
            return self.form_invalid(form)
        login(self.request, self.object, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, f"Welcome to eventhub, {self.object.username}!")
        if form.cleaned_data["role"] == User.Role.ORGANIZER and not self.object.is_organizer:
            messages.info(self.request, services.AWAITS_APPROVAL)  # signed up as an attendee, with a request
        return redirect(safe_next(self.request) or self.success_url)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=safe_next(self.request), **kwargs)


def fail_closed_while_uncounted(response, form):
    """Sign-in fails closed while its lockout cannot be counted (cache down): say so, and when to retry."""
    refusal = getattr(form, "refusal", None)
    if refusal is not None and refusal.code == ErrorCode.SERVICE_UNAVAILABLE:
        response.status_code = 503
        response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        return fail_closed_while_uncounted(super().form_invalid(form), form)


def admin_login(request, extra_context=None):
    """The admin's sign-in page (its form shares the site's lockout), failing closed like the site's."""
    response = admin.site.login(request, extra_context)
    form = getattr(response, "context_data", None) and response.context_data.get("form")
    return fail_closed_while_uncounted(response, form)


class LogoutView(auth_views.LogoutView):
    """POST signs out; a GET (the address typed in) shows a page with the Log out button."""

    http_method_names = ["get", "post", "options"]
    template_name = "accounts/logout.html"


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    """The profile; a new email address is asked for here and changes once its link is opened."""

    form_class = ProfileForm
    template_name = "accounts/profile.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = "Your profile is saved."

    def get_object(self, queryset=None):
        return self.request.user

    def form_valid(self, form):
        if form.new_email:
            try:
                self._ask_for_email_change(form.new_email)
            except DomainError as refusal:  # taken a moment ago, or too many asked for
                form.add_error("email", refusal.message)
                return self.form_invalid(form)
        return super().form_valid(form)

    def _ask_for_email_change(self, new_email: str) -> None:
        user = self.request.user
        services.request_email_change(user=user, new_email=new_email, address=client_address(self.request))
        self.request.session[PENDING_EMAIL_SESSION_KEY] = new_email
        messages.info(
            self.request,
            f"We emailed a link to {new_email}: your address changes when you open it. "
            f"Until then it stays {user.email}.",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        pending = self.request.session.get(PENDING_EMAIL_SESSION_KEY)
        context["pending_email"] = pending if pending != user.email else None
        if user.calendar_feed_path:
            context["calendar_feed_url"] = self.request.build_absolute_uri(user.calendar_feed_path)
        if services.organizer_approval_on():
            context["organizer_request"] = OrganizerRequest.objects.latest_of(user)
            if services.organizer_request_refusal(user) is None:
                context["organizer_request_form"] = OrganizerRequestForm()
        return context


class OrganizerRequestView(LoginRequiredMixin, View):
    """POST: ask to become an organizer (when the site takes organizers on approval); back to the profile."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            services.request_organizer_role(user=request.user, note=request.POST.get("note", ""))
        except DomainError as refusal:
            if refusal.code == ErrorCode.NOT_FOUND:  # organizers sign up openly: nothing to ask here
                raise Http404(refusal.message) from None
            messages.error(request, refusal.message)
        else:
            messages.success(request, services.AWAITS_APPROVAL)
        return redirect("accounts:profile")


class CalendarLinkView(LoginRequiredMixin, View):
    """POST: make (or remake) the secret address of my calendar feed; the old one stops working."""

    http_method_names = ["post"]

    def post(self, request):
        had_one = bool(request.user.calendar_token)
        services.reset_calendar_token(user=request.user)
        messages.success(
            request,
            "Your calendar has a new address: the old one no longer works."
            if had_one
            else "Your calendar address is ready: add it to your calendar app.",
        )
        return redirect("accounts:profile")


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a link to choose a new password: the same answer whether or not an account uses the
    address. Django's view and form; the accounts service counts the request and sends the email."""

    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        try:
            services.request_password_reset(
                email=form.cleaned_data["email"], address=client_address(self.request)
            )
        except DomainError as refusal:  # the limits cannot be counted (cache down): fail closed
            form.refusal = refusal
            form.add_error(None, refusal.message)
            return fail_closed_while_uncounted(self.form_invalid(form), form)
        return redirect(self.success_url)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(sent=services.RESET_LINK_SENT, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The emailed link: choose a new password. Django's view, which moves the token out of the
    page's address before showing the form, so it never leaks in a Referer header."""

    form_class = ResetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_user(self, uidb64):
        return links.password_reset_account(uidb64)  # active accounts only

    def get_context_data(self, **kwargs):
        return super().get_context_data(invalid_link=services.RESET_LINK_INVALID, **kwargs)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class EmailLinkView(TemplateView):
    """A page that a link we emailed opens: it does what the link says and tells how it went.

    The link's signature is the credential, not the session: it works signed out and in
    another browser, and opening it again changes nothing, so a plain GET does it.
    """

    act = None  # the service that takes the link's token

    def get(self, request, token):
        try:
            account = self.act(token=token)
        except DomainError as refusal:
            return self.render_to_response(self.get_context_data(refusal=refusal), status=400)
        return self.render_to_response(self.get_context_data(account=account))


class VerifyEmailView(EmailLinkView):
    act = staticmethod(services.verify_email)
    template_name = "accounts/verify_email.html"


class ConfirmEmailChangeView(EmailLinkView):
    act = staticmethod(services.confirm_email_change)
    template_name = "accounts/email_change_confirm.html"


class ResendVerificationView(LoginRequiredMixin, View):
    """POST: email another link to confirm my address; back to the page I was on."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            services.resend_email_verification(user=request.user, address=client_address(request))
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"We sent a new link to {request.user.email}.")
        return redirect(safe_next(request) or "accounts:profile")


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    form_class = LockedPasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")
    success_message = "Your password is changed. Apps signed in with the old one must sign in again."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        services.revoke_refresh_tokens(user=form.user)
        return response


class AdminPasswordChangeView(PasswordChangeView):
    """The admin's own password change page, with the same counted current-password check."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("admin:password_change_done")

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs)}


admin_password_change = admin.site.admin_view(AdminPasswordChangeView.as_view())
