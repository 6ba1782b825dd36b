/*
 * People: Chinese names with their pinyin, occupations with incomes, and
 * email addresses. Every character here is in GB 2312 (so in GBK): a name
 * drawn from these tables always survives --encoding gbk.
 */
#include "gen.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *h; /* hanzi */
    const char *py;
    uint16_t w;
} entry;

/* Surnames, weights roughly per 10,000 people (the 2020 census ranking). */
static const entry surnames[] = {
    {"王", "wang", 710},  {"李", "li", 700},       {"张", "zhang", 670},   {"刘", "liu", 540},
    {"陈", "chen", 450},  {"杨", "yang", 310},     {"黄", "huang", 220},   {"赵", "zhao", 200},
    {"吴", "wu", 200},    {"周", "zhou", 190},     {"徐", "xu", 130},      {"孙", "sun", 130},
    {"马", "ma", 120},    {"朱", "zhu", 110},      {"胡", "hu", 100},      {"郭", "guo", 100},
    {"何", "he", 90},     {"林", "lin", 90},       {"高", "gao", 90},      {"罗", "luo", 80},
    {"郑", "zheng", 70},  {"梁", "liang", 70},     {"谢", "xie", 60},      {"宋", "song", 50},
    {"唐", "tang", 50},   {"许", "xu", 50},        {"韩", "han", 50},      {"冯", "feng", 40},
    {"邓", "deng", 40},   {"曹", "cao", 40},       {"彭", "peng", 40},     {"曾", "zeng", 40},
    {"肖", "xiao", 40},   {"田", "tian", 40},      {"董", "dong", 30},     {"袁", "yuan", 30},
    {"潘", "pan", 30},    {"于", "yu", 30},        {"蒋", "jiang", 30},    {"蔡", "cai", 30},
    {"余", "yu", 30},     {"杜", "du", 30},        {"叶", "ye", 30},       {"程", "cheng", 30},
    {"苏", "su", 30},     {"魏", "wei", 30},       {"吕", "lv", 30},       {"丁", "ding", 30},
    {"任", "ren", 30},    {"沈", "shen", 20},      {"姚", "yao", 20},      {"卢", "lu", 20},
    {"姜", "jiang", 20},  {"崔", "cui", 20},       {"钟", "zhong", 20},    {"谭", "tan", 20},
    {"陆", "lu", 20},     {"汪", "wang", 20},      {"范", "fan", 20},      {"金", "jin", 20},
    {"石", "shi", 20},    {"廖", "liao", 20},      {"贾", "jia", 20},      {"夏", "xia", 20},
    {"韦", "wei", 20},    {"付", "fu", 20},        {"方", "fang", 20},     {"白", "bai", 20},
    {"邹", "zou", 20},    {"孟", "meng", 20},      {"熊", "xiong", 20},    {"秦", "qin", 20},
    {"邱", "qiu", 20},    {"江", "jiang", 20},     {"尹", "yin", 20},      {"薛", "xue", 15},
    {"闫", "yan", 15},    {"段", "duan", 15},      {"雷", "lei", 15},      {"侯", "hou", 15},
    {"龙", "long", 15},   {"史", "shi", 15},       {"陶", "tao", 15},      {"黎", "li", 15},
    {"贺", "he", 15},     {"顾", "gu", 15},        {"毛", "mao", 15},      {"郝", "hao", 15},
    {"龚", "gong", 15},   {"邵", "shao", 15},      {"万", "wan", 15},      {"钱", "qian", 15},
    {"严", "yan", 15},    {"武", "wu", 15},        {"戴", "dai", 15},      {"覃", "qin", 10},
    {"莫", "mo", 10},     {"孔", "kong", 10},      {"向", "xiang", 10},    {"汤", "tang", 10},
    {"常", "chang", 10},  {"温", "wen", 10},       {"康", "kang", 10},     {"施", "shi", 10},
    {"文", "wen", 10},    {"牛", "niu", 10},       {"樊", "fan", 10},      {"葛", "ge", 10},
    {"邢", "xing", 10},   {"安", "an", 8},         {"齐", "qi", 8},        {"易", "yi", 8},
    {"乔", "qiao", 8},    {"伍", "wu", 8},         {"庞", "pang", 8},      {"颜", "yan", 8},
    {"倪", "ni", 8},      {"庄", "zhuang", 8},     {"聂", "nie", 8},       {"章", "zhang", 8},
    {"鲁", "lu", 8},      {"岳", "yue", 8},        {"翟", "zhai", 8},      {"殷", "yin", 8},
    {"詹", "zhan", 8},    {"申", "shen", 8},       {"欧", "ou", 8},        {"耿", "geng", 8},
    {"关", "guan", 8},    {"兰", "lan", 8},        {"焦", "jiao", 8},      {"俞", "yu", 8},
    {"左", "zuo", 8},     {"柳", "liu", 8},        {"甘", "gan", 8},       {"祝", "zhu", 8},
    {"包", "bao", 8},     {"宁", "ning", 8},       {"尚", "shang", 8},     {"符", "fu", 8},
    {"舒", "shu", 8},     {"阮", "ruan", 8},       {"柯", "ke", 8},        {"纪", "ji", 8},
    {"梅", "mei", 8},     {"童", "tong", 8},       {"凌", "ling", 8},      {"毕", "bi", 8},
    {"单", "shan", 6},    {"季", "ji", 6},         {"裴", "pei", 6},       {"霍", "huo", 6},
    {"涂", "tu", 6},      {"成", "cheng", 6},      {"苗", "miao", 6},      {"谷", "gu", 6},
    {"盛", "sheng", 6},   {"曲", "qu", 6},         {"翁", "weng", 6},      {"冉", "ran", 6},
    {"骆", "luo", 6},     {"蓝", "lan", 6},        {"路", "lu", 6},        {"游", "you", 6},
    {"辛", "xin", 6},     {"靳", "jin", 6},        {"管", "guan", 6},      {"柴", "chai", 6},
    {"蒙", "meng", 6},    {"鲍", "bao", 6},        {"华", "hua", 6},       {"喻", "yu", 6},
    {"祁", "qi", 6},      {"蒲", "pu", 6},         {"房", "fang", 6},      {"滕", "teng", 6},
    {"屈", "qu", 6},      {"饶", "rao", 6},        {"解", "xie", 5},       {"牟", "mou", 5},
    {"艾", "ai", 5},      {"尤", "you", 5},        {"阳", "yang", 5},      {"时", "shi", 5},
    {"穆", "mu", 5},      {"农", "nong", 5},       {"司", "si", 5},        {"卓", "zhuo", 5},
    {"古", "gu", 5},      {"吉", "ji", 5},         {"缪", "miao", 5},      {"简", "jian", 5},
    {"车", "che", 5},     {"项", "xiang", 5},      {"连", "lian", 5},      {"芦", "lu", 5},
    {"麦", "mai", 5},     {"褚", "chu", 5},        {"娄", "lou", 5},       {"窦", "dou", 5},
    {"戚", "qi", 5},      {"岑", "cen", 5},        {"景", "jing", 5},      {"党", "dang", 5},
    {"宫", "gong", 5},    {"费", "fei", 5},        {"卜", "bu", 5},        {"冷", "leng", 5},
    {"晏", "yan", 5},     {"席", "xi", 5},         {"卫", "wei", 5},       {"米", "mi", 5},
    {"柏", "bai", 5},     {"宗", "zong", 5},       {"瞿", "qu", 5},        {"桂", "gui", 5},
    {"全", "quan", 5},    {"佟", "tong", 5},       {"应", "ying", 5},      {"臧", "zang", 5},
    {"闵", "min", 5},     {"苟", "gou", 5},        {"邬", "wu", 5},        {"边", "bian", 5},
    {"卞", "bian", 5},    {"姬", "ji", 5},         {"师", "shi", 5},       {"仇", "qiu", 5},
    {"栾", "luan", 5},    {"隋", "sui", 5},        {"商", "shang", 5},     {"刁", "diao", 5},
    {"沙", "sha", 5},     {"荣", "rong", 5},       {"巫", "wu", 5},        {"寇", "kou", 5},
    {"桑", "sang", 5},    {"郎", "lang", 5},       {"甄", "zhen", 5},      {"丛", "cong", 5},
    {"仲", "zhong", 5},   {"虞", "yu", 5},         {"敖", "ao", 5},        {"巩", "gong", 5},
    {"池", "chi", 5},     {"查", "zha", 5},        {"苑", "yuan", 5},      {"迟", "chi", 5},
    {"邝", "kuang", 5},   {"欧阳", "ouyang", 4},   {"司马", "sima", 1},    {"上官", "shangguan", 1},
    {"诸葛", "zhuge", 1}, {"东方", "dongfang", 1}, {"皇甫", "huangfu", 1}, {"慕容", "murong", 1},
    {"司徒", "situ", 1},  {"令狐", "linghu", 1},   {"夏侯", "xiahou", 1},  {"公孙", "gongsun", 1},
    {"尉迟", "yuchi", 1},
};

/* Popular given names by era: they make realistic repeated full names. */
static const entry male_old[] = {
    {"建国", "jianguo", 6},   {"建华", "jianhua", 5},  {"国强", "guoqiang", 5},
    {"建军", "jianjun", 6},   {"国庆", "guoqing", 4},  {"卫东", "weidong", 3},
    {"志强", "zhiqiang", 4},  {"振华", "zhenhua", 3},  {"德明", "deming", 2},
    {"建平", "jianping", 4},  {"红兵", "hongbing", 2}, {"国平", "guoping", 3},
    {"永强", "yongqiang", 3}, {"伟", "wei", 6},        {"军", "jun", 6},
    {"强", "qiang", 5},       {"勇", "yong", 5},       {"平", "ping", 4},
    {"刚", "gang", 4},        {"明", "ming", 3},       {"斌", "bin", 3},
    {"华", "hua", 3},         {"林", "lin", 2},        {"波", "bo", 2},
};
static const entry male_mid[] = {
    {"伟", "wei", 8},      {"磊", "lei", 6},       {"涛", "tao", 5},       {"杰", "jie", 5},
    {"勇", "yong", 4},     {"军", "jun", 4},       {"超", "chao", 5},      {"鹏", "peng", 4},
    {"辉", "hui", 4},      {"强", "qiang", 4},     {"斌", "bin", 3},       {"峰", "feng", 3},
    {"浩", "hao", 3},      {"亮", "liang", 3},     {"飞", "fei", 3},       {"鑫", "xin", 2},
    {"凯", "kai", 2},      {"海涛", "haitao", 3},  {"志刚", "zhigang", 3}, {"晓东", "xiaodong", 3},
    {"俊杰", "junjie", 2}, {"明辉", "minghui", 2}, {"志伟", "zhiwei", 3},  {"建伟", "jianwei", 2},
    {"文博", "wenbo", 2},  {"海波", "haibo", 2},
};
static const entry male_young[] = {
    {"浩然", "haoran", 4}, {"子轩", "zixuan", 5},  {"宇轩", "yuxuan", 4},   {"浩宇", "haoyu", 4},
    {"俊杰", "junjie", 3}, {"家豪", "jiahao", 3},  {"博文", "bowen", 3},    {"皓轩", "haoxuan", 3},
    {"梓睿", "zirui", 2},  {"一鸣", "yiming", 3},  {"天佑", "tianyou", 2},  {"宇航", "yuhang", 3},
    {"子豪", "zihao", 3},  {"思远", "siyuan", 2},  {"泽宇", "zeyu", 3},     {"鑫", "xin", 3},
    {"磊", "lei", 3},      {"浩", "hao", 3},       {"宇", "yu", 3},         {"帅", "shuai", 3},
    {"晨", "chen", 2},     {"昊天", "haotian", 2}, {"嘉诚", "jiacheng", 2}, {"明轩", "mingxuan", 2},
};
static const entry female_old[] = {
    {"秀英", "xiuying", 8}, {"桂英", "guiying", 6}, {"秀兰", "xiulan", 6},   {"玉兰", "yulan", 5},
    {"桂兰", "guilan", 5},  {"秀珍", "xiuzhen", 5}, {"凤英", "fengying", 4}, {"玉珍", "yuzhen", 3},
    {"淑珍", "shuzhen", 3}, {"玉梅", "yumei", 3},   {"秀云", "xiuyun", 3},   {"丽华", "lihua", 3},
    {"美玲", "meiling", 2}, {"红", "hong", 4},      {"英", "ying", 3},       {"芳", "fang", 4},
    {"霞", "xia", 3},       {"萍", "ping", 3},      {"华", "hua", 2},        {"淑芬", "shufen", 3},
    {"桂芳", "guifang", 3}, {"秀梅", "xiumei", 3},  {"春梅", "chunmei", 2},  {"建华", "jianhua", 2},
};
static const entry female_mid[] = {
    {"芳", "fang", 8},       {"娜", "na", 7},        {"敏", "min", 6},       {"静", "jing", 7},
    {"丽", "li", 6},         {"艳", "yan", 6},       {"娟", "juan", 5},      {"霞", "xia", 4},
    {"燕", "yan", 4},        {"玲", "ling", 4},      {"婷", "ting", 4},      {"丽娟", "lijuan", 3},
    {"海燕", "haiyan", 3},   {"晓燕", "xiaoyan", 3}, {"红梅", "hongmei", 3}, {"丽丽", "lili", 2},
    {"晓红", "xiaohong", 2}, {"雪梅", "xuemei", 2},  {"慧", "hui", 3},       {"洁", "jie", 3},
    {"琳", "lin", 2},        {"颖", "ying", 3},      {"倩", "qian", 3},      {"莉", "li", 2},
};
static const entry female_young[] = {
    {"欣怡", "xinyi", 5},  {"梓涵", "zihan", 5},    {"诗涵", "shihan", 4}, {"雨萱", "yuxuan", 4},
    {"佳怡", "jiayi", 4},  {"子涵", "zihan", 4},    {"思琪", "siqi", 3},   {"雅琪", "yaqi", 3},
    {"一诺", "yinuo", 3},  {"梦瑶", "mengyao", 3},  {"可馨", "kexin", 3},  {"欣妍", "xinyan", 3},
    {"雨桐", "yutong", 3}, {"婷婷", "tingting", 3}, {"佳琪", "jiaqi", 3},  {"紫涵", "zihan", 2},
    {"诗琪", "shiqi", 2},  {"悦", "yue", 2},        {"琪", "qi", 2},       {"萱", "xuan", 2},
    {"静怡", "jingyi", 2}, {"晓雪", "xiaoxue", 2},  {"雪", "xue", 3},      {"颖", "ying", 2},
};

/* Characters for composed given names: first and second position. */
static const entry male_first[] = {
    {"志", "zhi", 1},   {"建", "jian", 1},  {"国", "guo", 1},   {"文", "wen", 1},
    {"明", "ming", 1},  {"永", "yong", 1},  {"俊", "jun", 1},   {"海", "hai", 1},
    {"晓", "xiao", 1},  {"伟", "wei", 1},   {"振", "zhen", 1},  {"家", "jia", 1},
    {"子", "zi", 1},    {"浩", "hao", 1},   {"宇", "yu", 1},    {"博", "bo", 1},
    {"天", "tian", 1},  {"嘉", "jia", 1},   {"泽", "ze", 1},    {"鹏", "peng", 1},
    {"思", "si", 1},    {"一", "yi", 1},    {"正", "zheng", 1}, {"德", "de", 1},
    {"立", "li", 1},    {"成", "cheng", 1}, {"荣", "rong", 1},  {"新", "xin", 1},
    {"光", "guang", 1}, {"春", "chun", 1},  {"金", "jin", 1},   {"世", "shi", 1},
    {"鸿", "hong", 1},  {"瑞", "rui", 1},   {"庆", "qing", 1},  {"景", "jing", 1},
    {"昊", "hao", 1},   {"承", "cheng", 1}, {"睿", "rui", 1},   {"锦", "jin", 1},
};
static const entry male_second[] = {
    {"华", "hua", 1},   {"强", "qiang", 1}, {"军", "jun", 1},   {"明", "ming", 1},
    {"平", "ping", 1},  {"辉", "hui", 1},   {"杰", "jie", 1},   {"涛", "tao", 1},
    {"斌", "bin", 1},   {"峰", "feng", 1},  {"磊", "lei", 1},   {"东", "dong", 1},
    {"龙", "long", 1},  {"刚", "gang", 1},  {"林", "lin", 1},   {"波", "bo", 1},
    {"宇", "yu", 1},    {"轩", "xuan", 1},  {"然", "ran", 1},   {"阳", "yang", 1},
    {"鑫", "xin", 1},   {"凯", "kai", 1},   {"亮", "liang", 1}, {"超", "chao", 1},
    {"飞", "fei", 1},   {"勇", "yong", 1},  {"鸣", "ming", 1},  {"晨", "chen", 1},
    {"豪", "hao", 1},   {"航", "hang", 1},  {"彬", "bin", 1},   {"远", "yuan", 1},
    {"诚", "cheng", 1}, {"昌", "chang", 1}, {"文", "wen", 1},   {"武", "wu", 1},
    {"生", "sheng", 1}, {"兵", "bing", 1},  {"洋", "yang", 1},  {"健", "jian", 1},
};
static const entry female_first[] = {
    {"秀", "xiu", 1},  {"丽", "li", 1},   {"晓", "xiao", 1}, {"玉", "yu", 1},   {"海", "hai", 1},
    {"春", "chun", 1}, {"美", "mei", 1},  {"雅", "ya", 1},   {"思", "si", 1},   {"欣", "xin", 1},
    {"诗", "shi", 1},  {"佳", "jia", 1},  {"雨", "yu", 1},   {"梦", "meng", 1}, {"婉", "wan", 1},
    {"静", "jing", 1}, {"慧", "hui", 1},  {"淑", "shu", 1},  {"桂", "gui", 1},  {"金", "jin", 1},
    {"凤", "feng", 1}, {"红", "hong", 1}, {"艳", "yan", 1},  {"月", "yue", 1},  {"文", "wen", 1},
    {"子", "zi", 1},   {"紫", "zi", 1},   {"心", "xin", 1},  {"可", "ke", 1},   {"若", "ruo", 1},
    {"芷", "zhi", 1},  {"梓", "zi", 1},   {"一", "yi", 1},   {"语", "yu", 1},   {"明", "ming", 1},
};
static const entry female_second[] = {
    {"英", "ying", 1}, {"兰", "lan", 1},  {"珍", "zhen", 1}, {"芳", "fang", 1}, {"华", "hua", 1},
    {"娟", "juan", 1}, {"霞", "xia", 1},  {"燕", "yan", 1},  {"梅", "mei", 1},  {"琳", "lin", 1},
    {"婷", "ting", 1}, {"颖", "ying", 1}, {"琪", "qi", 1},   {"怡", "yi", 1},   {"涵", "han", 1},
    {"萱", "xuan", 1}, {"欣", "xin", 1},  {"悦", "yue", 1},  {"妍", "yan", 1},  {"彤", "tong", 1},
    {"洁", "jie", 1},  {"静", "jing", 1}, {"敏", "min", 1},  {"丽", "li", 1},   {"玲", "ling", 1},
    {"莉", "li", 1},   {"蓉", "rong", 1}, {"倩", "qian", 1}, {"雪", "xue", 1},  {"萍", "ping", 1},
    {"菲", "fei", 1},  {"薇", "wei", 1},  {"瑶", "yao", 1},  {"晴", "qing", 1}, {"宁", "ning", 1},
    {"然", "ran", 1},  {"楠", "nan", 1},  {"诺", "nuo", 1},  {"蕊", "rui", 1},  {"红", "hong", 1},
};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const entry *pick_entry(gen_rng *r, const entry *t, int n)
{
    uint32_t total = 0;
    for (int i = 0; i < n; i++)
        total += t[i].w;
    uint32_t x = rng_below(r, total);
    for (int i = 0; i < n; i++) {
        if (x < t[i].w)
            return &t[i];
        x -= t[i].w;
    }
    return &t[n - 1];
}

static void append(char *dst, size_t size, const char *s)
{
    size_t len = strlen(dst), add = strlen(s);
    if (len + add < size)
        memcpy(dst + len, s, add + 1);
}

void name_draw(gen_rng *r, bool male, int birth_year, person_name *out)
{
    const entry *sur = pick_entry(r, surnames, COUNT(surnames));
    out->name[0] = out->given_py[0] = '\0';
    snprintf(out->surname_py, sizeof out->surname_py, "%s", sur->py);
    out->compound = strlen(sur->h) > 3;
    append(out->name, sizeof out->name, sur->h);

    if (rng_chance(r, 0.35)) {
        const entry *t;
        int n;
        if (birth_year < 1970) {
            t = male ? male_old : female_old;
            n = male ? COUNT(male_old) : COUNT(female_old);
        } else if (birth_year < 1990) {
            t = male ? male_mid : female_mid;
            n = male ? COUNT(male_mid) : COUNT(female_mid);
        } else {
            t = male ? male_young : female_young;
            n = male ? COUNT(male_young) : COUNT(female_young);
        }
        const entry *g = pick_entry(r, t, n);
        append(out->name, sizeof out->name, g->h);
        append(out->given_py, sizeof out->given_py, g->py);
        return;
    }
    const entry *second = male ? &male_second[rng_below(r, COUNT(male_second))]
                               : &female_second[rng_below(r, COUNT(female_second))];
    /* one-character given names are rarer with compound surnames */
    if (!rng_chance(r, out->compound ? 0.05 : 0.12)) {
        const entry *first = male ? &male_first[rng_below(r, COUNT(male_first))]
                                  : &female_first[rng_below(r, COUNT(female_first))];
        append(out->name, sizeof out->name, first->h);
        append(out->given_py, sizeof out->given_py, first->py);
    }
    append(out->name, sizeof out->name, second->h);
    append(out->given_py, sizeof out->given_py, second->py);
}

/* ---- occupations ---- */

static const occupation_info occupations[] = {
    {"公司职员", 90000, 0.5, OCC_SALARIED},
    {"工人", 60000, 0.35, OCC_SALARIED},
    {"个体工商户", 120000, 0.8, OCC_SELF_EMPLOYED},
    {"销售", 100000, 0.7, OCC_SALARIED},
    {"工程师", 150000, 0.5, OCC_SALARIED},
    {"教师", 100000, 0.35, OCC_SALARIED},
    {"公务员", 120000, 0.35, OCC_SALARIED},
    {"医生", 180000, 0.5, OCC_SALARIED},
    {"护士", 90000, 0.35, OCC_SALARIED},
    {"会计", 100000, 0.4, OCC_SALARIED},
    {"程序员", 250000, 0.5, OCC_SALARIED},
    {"金融从业人员", 250000, 0.7, OCC_SALARIED},
    {"律师", 250000, 0.8, OCC_SELF_EMPLOYED},
    {"私营企业主", 400000, 1.0, OCC_SELF_EMPLOYED},
    {"司机", 70000, 0.35, OCC_SALARIED},
    {"厨师", 70000, 0.35, OCC_SALARIED},
    {"设计师", 120000, 0.5, OCC_SALARIED},
    {"农民", 30000, 0.5, OCC_SELF_EMPLOYED},
    {"自由职业", 80000, 0.8, OCC_SELF_EMPLOYED},
    {"军人", 120000, 0.3, OCC_SALARIED},
    {"无业", 10000, 1.0, OCC_NONE},
};
static const uint16_t occupation_weights[] = {22, 9, 8, 6, 6, 5, 4, 2, 2, 3, 4,
                                              2,  1, 3, 4, 2, 2, 5, 4, 1, 3};
static const occupation_info retired = {"退休", 50000, 0.5, OCC_RETIRED};
static const occupation_info student = {"学生", 6000, 0.8, OCC_STUDENT};

const occupation_info *occupation_draw(gen_rng *r, int age)
{
    double u = rng_unit(r);
    if ((age < 23 && u < 0.65) || (age >= 60 && u < 0.8) || (age >= 55 && u < 0.3))
        return age < 23 ? &student : &retired;
    return &occupations[rng_pick(r, occupation_weights, COUNT(occupations))];
}

/* ---- email ---- */

void email_draw(gen_rng *r, const person_name *n, int birth_year, const char *phone_digits,
                char *out, size_t size)
{
    static const char *const domains[] = {"163.com",     "126.com",   "sina.com",    "sohu.com",
                                          "foxmail.com", "gmail.com", "hotmail.com", "outlook.com",
                                          "yeah.net",    "aliyun.com"};
    static const uint16_t domain_weights[] = {25, 10, 6, 3, 6, 4, 3, 4, 2, 2};
    uint32_t style = rng_below(r, 100);
    if (style < 30) {
        snprintf(out, size, "%u@qq.com", 10000 + rng_below(r, 2000000000u));
        return;
    }
    if (style < 35) {
        snprintf(out, size, "%s@139.com", phone_digits);
        return;
    }
    const char *domain = domains[rng_pick(r, domain_weights, COUNT(domains))];
    switch (rng_below(r, 5)) {
    case 0: snprintf(out, size, "%s%s@%s", n->surname_py, n->given_py, domain); break;
    case 1:
        snprintf(out, size, "%s%s%02d@%s", n->surname_py, n->given_py, birth_year % 100, domain);
        break;
    case 2: snprintf(out, size, "%s.%s@%s", n->surname_py, n->given_py, domain); break;
    case 3:
        snprintf(out, size, "%s%s%u@%s", n->given_py, n->surname_py, rng_below(r, 1000), domain);
        break;
    default:
        snprintf(out, size, "%c%s%u@%s", n->given_py[0], n->surname_py, 100 + rng_below(r, 9900),
                 domain);
        break;
    }
}
