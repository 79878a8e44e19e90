// Builds the configured Exchange adapter with its credentials. Credentials come only from the
// environment or mounted files (config/secrets.ts); a real venue without them refuses to start and
// names what is missing. The paper exchange needs nothing.
import type { Logger } from 'pino';
import { BINANCE_MAINNET_URL, BINANCE_TESTNET_URL, BinanceExchange } from '../adapters/exchange/binance/binance-exchange.js';
import {
  HYPERLIQUID_MAINNET_URL,
  HYPERLIQUID_TESTNET_URL,
  HyperliquidExchange,
  HyperliquidKeyError,
  checkHyperliquidKey,
} from '../adapters/exchange/hyperliquid/hyperliquid-exchange.js';
import { PaperExchange } from '../adapters/exchange/paper.js';
import type { Config } from '../config/schema.js';
import { requireSecrets, SecretValueError, type Secret } from '../config/secrets.js';
import type { Exchange } from '../runtime/ports/exchange.js';
import type { VenueBook } from '../runtime/ports/venue-book.js';

export const VENUE_URLS = {
  hyperliquid: { mainnet: HYPERLIQUID_MAINNET_URL, testnet: HYPERLIQUID_TESTNET_URL },
  binance: { mainnet: BINANCE_MAINNET_URL, testnet: BINANCE_TESTNET_URL },
} as const;

/** The secrets each venue needs, by environment variable name (or NAME_FILE). */
export const VENUE_SECRETS = {
  paper: [],
  hyperliquid: ['HYPERLIQUID_PRIVATE_KEY'],
  binance: ['BINANCE_API_KEY', 'BINANCE_API_SECRET'],
} as const;

export interface ComposedExchange {
  readonly exchange: Exchange;
  /** Stops watching secret files. */
  readonly release: () => void;
  /** Loads what the venue kept from an earlier incarnation (the paper venue's book). */
  readonly open: () => Promise<void>;
}

/** Throws MissingSecretsError (exit code 2) when a real venue's credentials are not provided, SecretValueError (exit code 2) when they are unusable. */
export function composeExchange(config: Config, logger: Logger, env: NodeJS.ProcessEnv = process.env, paperBook?: VenueBook): ComposedExchange {
  const x = config.exchange;
  const onError = (error: Error) => logger.error({ err: error }, 'secret file problem; keeping the last good value');
  switch (x.kind) {
    case 'paper': {
      const paper = new PaperExchange({
        slippageBps: x.slippageBps,
        feeBps: x.feeBps,
        fillSlices: x.fillSlices,
        fillIntervalMs: x.fillIntervalMs,
        latencyMs: x.latencyMs,
        ...(paperBook ? { book: paperBook } : {}),
      });
      return { exchange: paper, release: () => undefined, open: () => paper.open() };
    }
    case 'hyperliquid': {
      const secrets = requireSecrets(VENUE_SECRETS.hyperliquid, env, { onError });
      const key: Secret = secrets.HYPERLIQUID_PRIVATE_KEY;
      try {
        checkHyperliquidKey(key.value());
      } catch (error) {
        key.close();
        if (error instanceof HyperliquidKeyError) throw SecretValueError.unusable(key, 'is not a valid private key: expected 0x and 64 hex digits (a 32-byte secp256k1 key)');
        throw error;
      }
      const exchange = new HyperliquidExchange({
        baseUrl: x.baseUrl ?? VENUE_URLS.hyperliquid[x.testnet ? 'testnet' : 'mainnet'],
        privateKey: () => key.value(),
        testnet: x.testnet,
        requestTimeoutMs: x.requestTimeoutMs,
        maxSlippageBps: x.maxSlippageBps,
        ...(x.hyperliquid.accountAddress ? { accountAddress: x.hyperliquid.accountAddress } : {}),
        ...(x.hyperliquid.vaultAddress ? { vaultAddress: x.hyperliquid.vaultAddress } : {}),
        logger,
      });
      return { exchange, release: () => key.close(), open: async () => undefined };
    }
    case 'binance': {
      const secrets = requireSecrets(VENUE_SECRETS.binance, env, { onError });
      const exchange = new BinanceExchange({
        baseUrl: x.baseUrl ?? VENUE_URLS.binance[x.testnet ? 'testnet' : 'mainnet'],
        apiKey: () => secrets.BINANCE_API_KEY.value(),
        apiSecret: () => secrets.BINANCE_API_SECRET.value(),
        quoteAsset: x.binance.quoteAsset,
        recvWindow: x.binance.recvWindow,
        requestTimeoutMs: x.requestTimeoutMs,
        maxSlippageBps: x.maxSlippageBps,
      });
      return {
        exchange,
        open: async () => undefined,
        release: () => {
          secrets.BINANCE_API_KEY.close();
          secrets.BINANCE_API_SECRET.close();
        },
      };
    }
  }
}
