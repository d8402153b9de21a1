// Passkeys: the only script of Passerelle. Reads the CSRF token from the page's meta tag,
// asks the server for options, calls the browser's WebAuthn API, sends the result back.
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const toBytes = (b64url) => {
    const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64url.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  };
  const toB64url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const post = async (url, body) => {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body || {}),
    });
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  };
  const showError = () => {
    const box = document.getElementById("passkey-error");
    if (box) { box.hidden = false; box.focus && box.focus(); }
  };

  async function signIn(button) {
    const options = await post("/webauthn/authenticate/options", { mode: button.dataset.mode });
    const publicKey = {
      challenge: toBytes(options.challenge), rpId: options.rpId, timeout: options.timeout,
      userVerification: options.userVerification,
      allowCredentials: (options.allowCredentials || []).map((c) => ({ type: c.type, id: toBytes(c.id) })),
    };
    const credential = await navigator.credentials.get({ publicKey });
    const r = credential.response;
    const result = await post("/webauthn/authenticate/verify", {
      challengeId: options.challengeId, interaction: button.dataset.interaction || "",
      credential: {
        id: credential.id, rawId: toB64url(credential.rawId), type: credential.type,
        response: {
          clientDataJSON: toB64url(r.clientDataJSON), authenticatorData: toB64url(r.authenticatorData),
          signature: toB64url(r.signature), userHandle: r.userHandle ? toB64url(r.userHandle) : null,
        },
        clientExtensionResults: {},
      },
    });
    window.location.assign(result.redirect);
  }

  async function register() {
    const options = await post("/webauthn/register/options");
    const publicKey = {
      challenge: toBytes(options.challenge), rp: options.rp, timeout: options.timeout,
      user: { id: toBytes(options.user.id), name: options.user.name, displayName: options.user.displayName },
      pubKeyCredParams: options.pubKeyCredParams, attestation: options.attestation,
      authenticatorSelection: options.authenticatorSelection,
      excludeCredentials: (options.excludeCredentials || []).map((c) => ({ type: c.type, id: toBytes(c.id) })),
    };
    const credential = await navigator.credentials.create({ publicKey });
    const r = credential.response;
    const count = document.querySelectorAll(".item-list li").length + 1;
    const result = await post("/webauthn/register/verify", {
      name: document.documentElement.lang === "fr" ? "Clé d’accès " + count : "Passkey " + count,
      credential: {
        id: credential.id, rawId: toB64url(credential.rawId), type: credential.type,
        response: {
          clientDataJSON: toB64url(r.clientDataJSON), attestationObject: toB64url(r.attestationObject),
          transports: r.getTransports ? r.getTransports() : [],
        },
        clientExtensionResults: {},
      },
    });
    window.location.assign(result.redirect);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const use = document.getElementById("use-passkey");
    if (use) use.addEventListener("click", () => signIn(use).catch(showError));
    const add = document.getElementById("add-passkey");
    if (add) add.addEventListener("click", () => register().catch(showError));
    if (!window.PublicKeyCredential) {
      for (const b of [use, add]) if (b) b.hidden = true;
    }
  });
})();
