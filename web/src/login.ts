// Logging in: password, then the authenticator or a recovery code when the account has 2FA;
// then, when the account needs it, a new password (first login) and 2FA enrolment with the QR
// code, whose recovery codes are shown once.
import { api, type Me } from "./api";
import { $, clear, h } from "./dom";

export async function currentUser(): Promise<Me | null> {
  const r = await api<Me>("GET", "/api/v1/auth/me", undefined, { quiet401: true });
  return r.ok ? r.body : null;
}

function dialog(title: string, ...content: (Node | string | null)[]): HTMLElement {
  return h("div", { class: "overlay", id: "auth" },
    h("div", { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": "auth-title" },
      h("div", { class: "brand" }, "DATELINE"), h("h1", { id: "auth-title" }, title), ...content));
}

function field(id: string, label: string, attrs: Record<string, string | boolean> = {}): HTMLElement {
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, ...attrs }));
}

function value(id: string): string {
  return ($(id) as HTMLInputElement).value;
}

// Resolves with the user once they are logged in and nothing is left to set up.
export function login(root: HTMLElement): Promise<Me> {
  return new Promise((resolve) => {
    const err = h("div", { class: "err", id: "login-error", role: "alert" });
    const codeRow = field("code", "Authenticator code or recovery code",
                          { autocomplete: "one-time-code", inputmode: "numeric" });
    codeRow.hidden = true;
    const form = h("form", { id: "login-form" },
      field("username", "Username", { autocomplete: "username", required: true }),
      field("password", "Password", { type: "password", autocomplete: "current-password", required: true }),
      codeRow, h("button", { type: "submit" }, "Log in"), err);
    clear(root);
    root.append(dialog("LOG IN", form));
    ($("username") as HTMLInputElement).focus();
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      err.textContent = "";
      const r = await api("POST", "/api/v1/auth/login",
                          { username: value("username"), password: value("password"), code: value("code") });
      if (r.ok) {
        resolve(await afterLogin(root));
        return;
      }
      if (r.error.code === "second_factor_required") {
        codeRow.hidden = false;
        ($("code") as HTMLInputElement).focus();
      }
      err.textContent = r.error.message;
    });
  });
}

// Finishes what a restricted session must do first, then resolves with the user.
export async function afterLogin(root: HTMLElement): Promise<Me> {
  for (;;) {
    const me = await currentUser();
    if (!me) return login(root);
    if (me.must_change_password) {
      await changePassword(root, true);
      continue;
    }
    if (me.must_enroll_2fa) {
      await enrolTotp(root, true);
      continue;
    }
    clear(root);
    return me;
  }
}

export function changePassword(root: HTMLElement, required: boolean): Promise<void> {
  return new Promise((resolve) => {
    const err = h("div", { class: "err", role: "alert" });
    const form = h("form", { id: "password-form" },
      required ? h("p", {}, "Choose your own password before you go on.") : null,
      field("old-password", required ? "Current (one-time) password" : "Current password",
            { type: "password", autocomplete: "current-password", required: true }),
      field("new-password", "New password (12 characters or more)",
            { type: "password", autocomplete: "new-password", required: true, minlength: "12" }),
      h("button", { type: "submit" }, "Change password"), err);
    clear(root);
    root.append(dialog("CHOOSE A NEW PASSWORD", form));
    ($("old-password") as HTMLInputElement).focus();
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const r = await api("POST", "/api/v1/auth/password",
                          { old_password: value("old-password"), new_password: value("new-password") });
      if (r.ok) {
        clear(root);
        resolve();
      } else {
        err.textContent = r.error.message;
      }
    });
  });
}

interface Enrolment { secret: string; otpauth_uri: string; qr_svg: string }

// Shows the QR code (drawn by the server as SVG from the otpauth URI) and the key, checks a
// code, then shows the recovery codes once.
export async function enrolTotp(root: HTMLElement, required: boolean): Promise<void> {
  const r = await api<Enrolment>("POST", "/api/v1/auth/totp/enroll");
  if (!r.ok) {
    clear(root);
    root.append(dialog("TWO-FACTOR AUTHENTICATION", h("p", { class: "err" }, r.error.message)));
    return;
  }
  const qr = h("div", { class: "qr", role: "img", "aria-label": "QR code of the authenticator key" });
  // The SVG is the server's own rendering of the otpauth URI (no user-supplied markup).
  qr.innerHTML = r.body.qr_svg;
  return new Promise((resolve) => {
    const err = h("div", { class: "err", role: "alert" });
    const form = h("form", { id: "enrol-form" },
      h("p", {}, required ? "Your group requires two-factor authentication. " : "",
        "Scan the code with an authenticator app, then enter the code it shows."),
      qr, h("p", { class: "secret" }, "Key: ", h("code", { id: "totp-secret" }, r.body.secret)),
      field("enrol-code", "Code", { autocomplete: "one-time-code", inputmode: "numeric", required: true }),
      h("button", { type: "submit" }, "Turn on"), err);
    clear(root);
    root.append(dialog("SET UP TWO-FACTOR AUTHENTICATION", form));
    ($("enrol-code") as HTMLInputElement).focus();
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const c = await api<{ recovery_codes: string[] }>("POST", "/api/v1/auth/totp/confirm", { code: value("enrol-code") });
      if (!c.ok) {
        err.textContent = c.error.message;
        return;
      }
      const done = h("button", { type: "button", id: "codes-done" }, "I have saved them");
      clear(root);
      root.append(dialog("RECOVERY CODES",
        h("p", {}, "Two-factor authentication is on. Keep these codes somewhere safe: each works once, instead of the app."),
        h("pre", { class: "codes", id: "recovery-codes" }, c.body.recovery_codes.join("\n")), done));
      done.focus();
      done.addEventListener("click", () => {
        clear(root);
        resolve();
      });
    });
  });
}
