"""Sign in / who am I. On 127.0.0.1 a local user picks a coder name; elsewhere a password is needed."""

from __future__ import annotations

import streamlit as st

from workbench.ui.state import current_user, loopback, sign_in, sign_out, store
from workbench.users import User, authenticate, count_users


def page() -> None:
    st.title("Sign in")
    user = current_user()
    if user is not None:
        st.write(f"Signed in as **{user.name}** ({user.role}).")
        if st.button("Sign out"):
            sign_out()
            st.rerun()
        return
    if loopback():
        st.write("This workbench is served on this computer only, so no password is needed. "
                 "Your coder name is recorded with every decision you make.")
        with st.form("local-sign-in"):
            name = st.text_input("Coder name", placeholder="e.g. alice")
            submitted = st.form_submit_button("Continue")
        if submitted:
            if not name.strip():
                st.error("Enter a coder name: it is recorded with every decision.")
                return
            sign_in(User(name.strip(), "admin"))
            st.rerun()
        return
    if count_users(store()) == 0:
        st.error("No users exist. Create one on the server with `workbench user add NAME --role admin`.")
        return
    with st.form("password-sign-in"):
        name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        found = authenticate(store(), name, password)
        if found is None:
            st.error("Unknown user name or wrong password.")
            return
        sign_in(found)
        st.rerun()
