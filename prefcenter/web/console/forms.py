"""Console forms; Flask-WTF gives each a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=12, max=1024)])


class ActionForm(FlaskForm):
    """One status change on a request; `note` is the reason where one is needed."""

    note = TextAreaField("Note", validators=[Length(max=4000)])
    original = StringField("Original request", validators=[Length(max=16)])


class LogoutForm(FlaskForm):
    """No fields: signing out only needs the CSRF token."""


class CorrectionForm(FlaskForm):
    """One field's new value, from the proposed change or typed by staff."""

    value = TextAreaField("New value", validators=[DataRequired(), Length(max=1000)])


class ReplyForm(FlaskForm):
    body = TextAreaField("Reply", validators=[DataRequired(), Length(max=20000)])
