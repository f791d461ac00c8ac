// A real OpenID Provider for the tests: panva's oidc-provider (OpenID Certified), on 127.0.0.1.
//
//   node tests/support/oidc_provider.mjs '<json config>'
//
// The config (tests/support/oidc_server.py writes it): {"port", "clients": [{client_id, client_secret,
// redirect_uris}], "accounts": {"<login>": {"email", "email_verified", "xms_edov", "hd", "amr"}}, "id_token_ttl",
// "userinfo_only"}.
// It prints "listening <issuer>" once it answers. The sign-in a test drives over HTTP is this file's own
// minimal interaction: GET /interaction/<uid> shows a form with one field, `login` (an account's key),
// POST /interaction/<uid>/login signs that account in with the `amr` it is given here (oidc-provider's
// devInteractions cannot set amr). Consent is granted at once: the service is the council's own client.
import http from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts;
// Its own signing key per run and per provider (oidc-provider's quick-start key is the same everywhere):
// a token of one provider must not verify with another's keys.
const signingKey = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
                     kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: config.clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [signingKey] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        // Only the claims the account has: Entra ID sends `xms_edov` and no `email_verified`; Google sends `hd`.
        const claims = { sub: id, email: account.email };
        for (const name of ['email_verified', 'xms_edov', 'hd']) if (name in account) claims[name] = account[name];
        return claims;
      },
    };
  },
  // amr: how the account signed in (RFC 8176), from the interaction below; in every ID token, as Entra ID's.
  claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified', 'xms_edov', 'hd'] },
  // Only S256 (the default methods), and required of every client: what the service must send.
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { IdToken: config.id_token_ttl || 3600 },
  // false: the email claims are in the ID token, as Entra ID and Google put them; true (the spec's default for
  // the code flow): only at the userinfo endpoint, which the service then asks.
  conformIdTokenClaims: Boolean(config.userinfo_only),
  // Made up per run: nothing here signs anything outside the test.
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // The first-party recipe from oidc-provider's docs: the grant the service asks for is given without a
  // consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                               accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email');
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'text/plain';
    ctx.body = `${out.error}: ${out.error_description || ''}`;
  },
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET' && !action) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Test provider: sign in</title></head><body><main>
      <h1>Test provider: sign in</h1>
      <form method="post" action="/interaction/${escape(uid)}/login">
        <label for="login">Account</label> <input id="login" name="login">
        <button type="submit">Continue</button>
      </form></main></body></html>`);
    return;
  }
  if (req.method === 'POST' && action === 'login') {
    const login = (await readForm(req)).get('login');
    const account = accounts[login];
    const result = account
      ? { login: { accountId: login, amr: account.amr || ['pwd'] } }
      : { error: 'access_denied', error_description: 'no such account' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(405).end();
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(\w+))?$/.exec(req.url.split('?')[0]);
  if (!match) return callback(req, res);
  interaction(req, res, match[1], match[2]).catch((err) => {
    res.writeHead(400, { 'Content-Type': 'text/plain' }).end(String(err && err.message));
  });
});
server.listen(config.port, '127.0.0.1', () => console.log(`listening ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
