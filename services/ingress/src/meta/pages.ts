import type { DeletionStatusReply } from "@igdm/contracts";
import { escapeHtml, page } from "../html.js";

/** Who runs the deployment, from OPERATOR_NAME and OPERATOR_CONTACT_EMAIL; either may be unset. */
export interface Operator {
  name?: string;
  email?: string;
}

export interface Retention {
  webhooksDays: number;
  eventsDays: number;
  deadLettersDays: number;
}

const operatorName = (o: Operator) => escapeHtml(o.name ?? "the operator of this service");

/** "the operator at <mailto link>", or the operator's name alone when no address is configured. */
function contact(o: Operator): string {
  if (!o.email) return operatorName(o);
  const email = escapeHtml(o.email);
  return `${operatorName(o)} at <a href="mailto:${email}">${email}</a>`;
}

/** An ISO timestamp as "2025-05-01 10:00 UTC" inside a <time> element. */
function when(iso: string): string {
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(text)}</time>`;
}

type DeletionStatus = Extract<DeletionStatusReply, { ok: true }>;

export function deletionStatusPage(status: DeletionStatus, operator: Operator): string {
  const code = `<p class="muted">Confirmation code <code id="confirmation-code">${escapeHtml(status.confirmationCode)}</code>, requested ${when(status.requestedAt)}.</p>`;
  if (status.status === "failed") {
    return page(
      "Data deletion did not complete",
      `<p id="status" data-status="failed">Deleting your data did not complete. Please contact ${contact(operator)}
and quote the confirmation code below.</p>${code}`,
    );
  }
  const rows = Object.entries(status.deleted)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([table, n]) =>
        `<tr data-table="${escapeHtml(table)}"><th scope="row">${escapeHtml(table)}</th><td>${n}</td></tr>`,
    );
  const what = rows.length
    ? `<table id="deleted"><thead><tr><th scope="col">Records</th><th scope="col">Deleted</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
    : "<p>No stored data about you was found.</p>";
  const completed = status.completedAt ? ` on ${when(status.completedAt)}` : "";
  return page(
    "Your data has been deleted",
    `<p id="status" data-status="completed">Your data was deleted${completed}.</p>${what}${code}`,
  );
}

export function deletionUnknownPage(): string {
  return page(
    "Unknown confirmation code",
    `<p id="status" data-status="unknown">There is no data-deletion request with this confirmation code.</p>
<p>If you asked for deletion a moment ago, it may still be in progress: reload this page in a few minutes.</p>`,
  );
}

export function deletionUnavailablePage(): string {
  return page(
    "Status temporarily unavailable",
    `<p id="status" data-status="unavailable">The status of this request cannot be looked up right now. Please try again in a few minutes.</p>`,
  );
}

export function privacyPage(operator: Operator, retention: Retention): string {
  const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;
  return page(
    "Privacy policy",
    `<p>This service is run by <strong id="operator">${operatorName(operator)}</strong>. It automates Instagram direct
messages for the businesses that connect their accounts to it.</p>

<h2>What is collected</h2>
<ul>
<li>Instagram direct messages sent to and from connected business accounts (text, attachments, reactions, edits and
unsends), with the Instagram-scoped ids of sender and recipient and the time they were sent.</li>
<li>For the businesses that connect: their Facebook user id, their Facebook pages and Instagram account ids, names and
usernames, and the access tokens Meta issues for them. Tokens are stored only encrypted (AES-256-GCM) and are never
shown or logged.</li>
<li>Technical records needed to run the service: every webhook Meta delivers, and a log of token refreshes and
failures.</li>
</ul>
<p>The data is used only to receive, store and answer messages on behalf of the connected business. It is not sold or
shared with anyone else.</p>

<h2>How long it is kept</h2>
<ul>
<li>Webhook deliveries stay in the message queue for ${days(retention.webhooksDays)} and processed events for
${days(retention.eventsDays)}; records that could not be processed are kept for ${days(retention.deadLettersDays)} for
investigation.</li>
<li>Messages, accounts and tokens stay in the database until the business disconnects or deletion is requested.</li>
</ul>

<h2>Deleting your data</h2>
<p>Remove the app in your Facebook or Instagram settings (Apps and websites). Removing it revokes its access at once;
asking Meta to delete your data sends us a deletion request, which is carried out automatically. You receive a
confirmation code and a link to a status page (<code>/meta/data-deletion/&lt;code&gt;</code>) that shows when the
deletion completed and what was deleted.</p>

<h2>Contact</h2>
<p id="contact">Questions about your data: ${contact(operator)}${operator.email ? "" : " (no contact address is configured)"}.</p>`,
  );
}
