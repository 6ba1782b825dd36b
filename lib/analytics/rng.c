/* A seeded generator for analytics runs: xoshiro256** (Blackman and Vigna)
 * with its state filled by splitmix64, so a seed gives the same numbers on
 * every platform and no run touches the process-wide rand(). */
#include "analytics/analytics_int.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void crmi_rng_seed(crmi_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t crmi_rng_next(crmi_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double crmi_rng_unit(crmi_rng *r)
{
    return (double)(crmi_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t crmi_rng_below(crmi_rng *r, uint64_t n)
{
    /* rejection keeps every value equally likely */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = crmi_rng_next(r);
    while (x >= limit);
    return x % n;
}
