/*
 * Random numbers that are the same everywhere: xoshiro256** seeded through
 * splitmix64, and distributions built only from integer arithmetic and
 * IEEE + - * / (no libm), so no platform's exp() or log() can change a byte
 * of the output.
 */
#include "gen.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void rng_init(gen_rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t x = seed;
    uint64_t a = splitmix64(&x);
    x = a ^ (stream * 0xd1342543de82ef95ULL);
    uint64_t b = splitmix64(&x);
    x = b ^ (index * 0xaf251af3b0f025b5ULL + 0x632be59bd9b4e019ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t rng_next(gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Lemire's nearly divisionless method: unbiased. */
uint32_t rng_below(gen_rng *r, uint32_t n)
{
    if (n <= 1)
        return 0;
    uint64_t m = (uint64_t)(uint32_t)(rng_next(r) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)(rng_next(r) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

int rng_range(gen_rng *r, int lo, int hi)
{
    return hi <= lo ? lo : lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
}

double rng_unit(gen_rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

bool rng_chance(gen_rng *r, double p)
{
    return rng_unit(r) < p;
}

/* Irwin-Hall: the sum of 12 uniforms less 6 has mean 0 and variance 1. Each
 * uniform has 21 bits, three from every 64-bit draw, so the sum is exact. */
double rng_normal(gen_rng *r)
{
    uint64_t sum = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t v = rng_next(r);
        sum += (v & 0x1fffff) + ((v >> 21) & 0x1fffff) + ((v >> 42) & 0x1fffff);
    }
    return (double)sum * (1.0 / 2097152.0) - 6.0;
}

/* exp(x) = 2^k * e^r with |r| <= ln2/2: e^r by its Taylor series to r^11
 * (relative error < 1e-12), 2^k built from its bits (exact). */
double det_exp(double x)
{
    if (x < -700.0)
        return 0.0;
    if (x > 700.0)
        x = 700.0;
    double kf = x * 1.4426950408889634;
    int k = (int)(kf >= 0 ? kf + 0.5 : kf - 0.5);
    double rem = x - k * 0.6931471805599453;
    static const double inv_fact[] = {
        1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0,
        1.0 / 120.0,      1.0 / 24.0,      1.0 / 6.0,      1.0 / 2.0,     1.0,          1.0};
    double p = inv_fact[0];
    for (size_t i = 1; i < sizeof inv_fact / sizeof inv_fact[0]; i++)
        p = p * rem + inv_fact[i];
    union {
        uint64_t u;
        double d;
    } scale = {.u = (uint64_t)(k + 1023) << 52};
    return p * scale.d;
}

double rng_lognormal(gen_rng *r, double median, double sigma)
{
    return median * det_exp(sigma * rng_normal(r));
}

unsigned rng_poisson(gen_rng *r, double lambda)
{
    if (lambda <= 0)
        return 0;
    if (lambda > 30) {
        double v = lambda + rng_normal(r) * sqrt(lambda) /* IEEE: correctly rounded */;
        return v < 0 ? 0 : (unsigned)(v + 0.5);
    }
    double limit = det_exp(-lambda), p = 1.0;
    unsigned k = 0;
    for (;;) {
        p *= rng_unit(r);
        if (p <= limit)
            return k;
        k++;
    }
}

int rng_pick(gen_rng *r, const uint16_t *weights, int n)
{
    uint32_t total = 0;
    for (int i = 0; i < n; i++)
        total += weights[i];
    uint32_t x = rng_below(r, total);
    for (int i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return n - 1;
}

/* A 4-round balanced Feistel network on two base-10^4 halves. */
uint32_t permute_1e8(uint32_t x, uint64_t key)
{
    uint32_t left = x / 10000, right = x % 10000;
    for (int round = 0; round < 4; round++) {
        uint64_t h = key + (uint64_t)right * 0x9e3779b97f4a7c15ULL + (uint64_t)round;
        h = splitmix64(&h);
        uint32_t next = (uint32_t)((left + h % 10000) % 10000);
        left = right;
        right = next;
    }
    return left * 10000 + right;
}
