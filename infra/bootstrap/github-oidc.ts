/**
 * Whether the bootstrap creates GitHub's OIDC provider or reuses one: IAM allows one provider per
 * URL in an account, and a second CreateOpenIDConnectProvider fails with EntityAlreadyExists
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html), so
 * an account that already trusts GitHub Actions names its provider in `githubOidcProviderArn`.
 */
import { GITHUB_OIDC_HOST } from "./documents";

/** Create the provider, or reuse the one at `arn`. */
export type GithubOidcProvider = { create: true } | { create: false; arn: string };

/** The config key that names an existing provider. */
export const GITHUB_OIDC_PROVIDER_KEY = "githubOidcProviderArn";

/**
 * Reads `githubOidcProviderArn`: unset (or "") creates the provider; an ARN
 * `arn:<partition>:iam::<12 digits>:oidc-provider/token.actions.githubusercontent.com` reuses it.
 * Anything else throws, naming the key, the value and what is allowed.
 * @default { create: true }
 */
export function githubOidcProvider(value: string | undefined): GithubOidcProvider {
  if (value === undefined || value === "") return { create: true };
  const pattern = new RegExp(
    `^arn:aws(-[a-z]+)*:iam::\\d{12}:oidc-provider/${GITHUB_OIDC_HOST.replaceAll(".", "\\.")}$`,
  );
  if (!pattern.test(value)) {
    throw new Error(
      `comments-platform-bootstrap:${GITHUB_OIDC_PROVIDER_KEY} is ${JSON.stringify(value)}: expected the ARN of the account's GitHub OIDC provider, arn:aws:iam::<account>:oidc-provider/${GITHUB_OIDC_HOST}, or unset to create it`,
    );
  }
  return { create: false, arn: value };
}
